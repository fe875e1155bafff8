/**
 * Where the conference app gets its UserSig.
 *
 * This sample asks room-server's development endpoint `GET /dev/usersig`,
 * which exists only when room-server runs with `--dev`. A production back end
 * never hands out UserSigs for any userId: it authenticates the user first and
 * signs a UserSig for that user only (TLSSigAPIv2 with the app's secret key,
 * which never reaches the browser). Replace this function with a call to your
 * own back end.
 */
export interface UserSigGrant {
  sdkAppId: number;
  userId: string;
  userSig: string;
  /** Validity in seconds. */
  expire: number;
}

/** Fetches a development UserSig for `userId` from room-server's `/dev/usersig`. */
export async function fetchDevUserSig(userId: string): Promise<UserSigGrant> {
  let response: Response;
  try {
    response = await fetch(`/dev/usersig?userId=${encodeURIComponent(userId)}`, { cache: 'no-store' });
  } catch (cause) {
    throw new Error('Could not reach room-server to get a UserSig.', { cause });
  }
  if (response.status === 404) {
    throw new Error('room-server does not issue development UserSigs (start it with --dev, or sign UserSigs on your back end).');
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(`room-server refused a UserSig: ${body?.error ?? response.status}`);
  }
  return (await response.json()) as UserSigGrant;
}
