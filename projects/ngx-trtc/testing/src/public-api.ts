/*
 * Public API of ngx-trtc/testing: test doubles, each implementing the real interface.
 */

// client
export { FakeClock, nextTask, settle } from './fake-clock';
export { FakeWebSocket, TaskQueue } from './fake-web-socket';
export type { FakeSocketServerSide } from './fake-web-socket';
export { FakeConnection, FakeRoomServer, fakeSdp, msidsOf } from './fake-room-server';
export type { FakeRoomServerOptions, ReceivedRequest } from './fake-room-server';
export { FakeSfu, FakeSfuMedia, FakeSfuTransport, SfuMediaStream } from './fake-sfu-transport';
export type { FakeSfuBehaviour } from './fake-sfu-transport';
export { FakeLocalStream, FakeRemoteStream, createSyntheticTracks, fakeRemoteStreamFactory } from './fake-streams';
export { provideFakeRoom } from './provide-fake-room';
export type { FakeRoom } from './provide-fake-room';

// streams
export { FakeMediaDevices, provideFakeMediaDevices } from './fake-media-devices';
export type { FakeCaptureFailure } from './fake-media-devices';
