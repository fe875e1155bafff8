import { EnvironmentProviders } from '@angular/core';

import { provideTrtc, withClock, withSfuTransport, withWebSocketFactory } from 'ngx-trtc';
import type { Clock, TrtcConfig } from 'ngx-trtc';
import { FakeRoomServer } from './fake-room-server';
import { FakeSfu } from './fake-sfu-transport';

/** What {@link provideFakeRoom} wires. */
export interface FakeRoom {
  server: FakeRoomServer;
  sfu: FakeSfu;
  clock?: Clock;
}

/**
 * `provideTrtc` against an in-memory room: a {@link FakeRoomServer} for the
 * signaling and a {@link FakeSfu} for the media, no network, no ICE.
 */
export function provideFakeRoom(room: FakeRoom, config: TrtcConfig = {}): EnvironmentProviders {
  return provideTrtc(
    { serverUrl: 'ws://fake-room-server/rtc', sdkAppId: 1400000001, ...config },
    withWebSocketFactory(room.server.webSocketFactory),
    withSfuTransport(room.sfu.transportFactory),
    ...(room.clock ? [withClock(room.clock)] : []),
  );
}
