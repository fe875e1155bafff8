/**
 * Authentication of a `room.join`: the UserSig against the app's secret key,
 * then the privateMapKey (when given) for the room. Failures are RpcErrors
 * with the protocol's distinct reasons.
 */
import { RpcError } from '../rpc/errors.js';
import { ALL_PRIVILEGES, PrivateMapKeyError, verifyPrivateMapKey, type RoomId } from './private-map-key.js';
import { systemClock, UserSigError, verifyUserSig, type UnixClock } from './usersig.js';

/** Verifies UserSigs and privateMapKeys for the configured apps. */
export class Authenticator {
  private readonly _keys: ReadonlyMap<number, string>;

  constructor(
    apps: readonly { readonly sdkAppId: number; readonly secretKey: string }[],
    private readonly _clock: UnixClock = systemClock,
  ) {
    this._keys = new Map(apps.map((a) => [a.sdkAppId, a.secretKey]));
  }

  /** The app's secret key, if the app is configured. */
  readonly secretKeyOf = (sdkAppId: number): string | undefined => this._keys.get(sdkAppId);

  /** Throws an RpcError (USERSIG_*) unless `userSig` proves `userId` of `sdkAppId`. */
  verifyUser(sdkAppId: number, userId: string, userSig: string): void {
    try {
      verifyUserSig(userSig, { sdkAppId, userId, secretKeyOf: this.secretKeyOf, clock: this._clock });
    } catch (err) {
      if (err instanceof UserSigError) throw new RpcError(err.reason, err.message, { cause: err });
      throw err;
    }
  }

  /** The privilege bits for the room: all of them without a privateMapKey; throws PRIVATE_MAP_KEY_INVALID. */
  privilegesFor(sdkAppId: number, userId: string, roomId: RoomId, privateMapKey: string | undefined): number {
    if (privateMapKey === undefined) return ALL_PRIVILEGES;
    try {
      return verifyPrivateMapKey(privateMapKey, { sdkAppId, userId, roomId, secretKeyOf: this.secretKeyOf, clock: this._clock });
    } catch (err) {
      if (err instanceof PrivateMapKeyError) throw new RpcError('PRIVATE_MAP_KEY_INVALID', err.message, { cause: err });
      throw err;
    }
  }
}
