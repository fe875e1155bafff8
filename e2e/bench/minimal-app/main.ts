/**
 * The minimal app of the bundle-size benchmark: joins a room and publishes
 * the camera and microphone with ngx-trtc's TRTC facade, nothing else (the
 * first half of trtc-js-sdk's basic tutorial). Bundled by e2e/bench/bundle.ts
 * with esbuild (minified, tree-shaken, ES2022) from the library's source; no
 * Angular framework code is involved because the facade needs none.
 */
import { TRTC } from 'ngx-trtc';

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const userId = params.get('userId') ?? `user_${Math.floor(Math.random() * 1e6)}`;
  const response = await fetch(`/dev/usersig?userId=${encodeURIComponent(userId)}`);
  const { sdkAppId, userSig } = await response.json();

  const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId, userSig });
  await client.join({ roomId: Number(params.get('roomId') ?? 1) });

  const localStream = TRTC.createStream({ userId, audio: true, video: true });
  await localStream.initialize();
  localStream.play('local');
  await client.publish(localStream);
}

start().catch((error) => console.error('minimal app failed', error));
