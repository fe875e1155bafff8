import { EnvironmentInjector, createEnvironmentInjector } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeLocalStream, FakeRoomServer, FakeSfu, provideFakeRoom, settle } from 'ngx-trtc/testing';

import { createDefaultRetryPolicy } from '../client/retry-policy';
import { TRTC_CONFIG, provideTrtc } from '../provide-trtc';
import { getTrtcDefaults, resetTrtcDefaults } from '../trtc/trtc-defaults';
import { TrtcClientEvent, TrtcClientService } from './trtc-client.service';

describe('TrtcClientService', () => {
  let server: FakeRoomServer;
  let sfu: FakeSfu;

  beforeEach(() => {
    server = new FakeRoomServer();
    sfu = new FakeSfu();
    TestBed.configureTestingModule({ providers: [provideFakeRoom({ server, sfu })] });
  });

  afterEach(() => resetTrtcDefaults());

  it('creates clients with provideTrtc’s defaults and exposes room state as signals', async () => {
    const service = TestBed.inject(TrtcClientService);
    const alice = service.createClient({ mode: 'rtc', sdkAppId: undefined as never, userId: 'alice', userSig: 'sig' });
    expect(service.clients()).toEqual([alice]);
    expect(alice.connectionState()).toBe('DISCONNECTED');
    await alice.client.join({ roomId: 5 });
    expect(alice.connectionState()).toBe('CONNECTED');
    expect((server.requestsOf('room.join')[0].params as { sdkAppId: number }).sdkAppId).toBe(1400000001);
    expect(server.connections[0].socket.url).toBe('ws://fake-room-server/rtc');

    const bob = service.createClient({ mode: 'rtc', sdkAppId: 1400000001, userId: 'bob', userSig: 'sig' });
    await bob.client.join({ roomId: 5 });
    const camera = new FakeLocalStream('bob');
    await bob.client.publish(camera);
    await settle();
    expect(alice.peers().map((p) => p.userId)).toEqual(['bob']);
    expect(alice.remoteStreams().map((s) => s.getUserId())).toEqual(['bob']);
    expect(alice.mutedStates()).toEqual([
      { userId: 'bob', hasAudio: true, hasVideo: true, hasSmall: false, audioMuted: false, videoMuted: false },
    ]);
    await bob.client.unpublish(camera);
    await settle();
    expect(alice.remoteStreams()).toEqual([]);
    camera.close();
  });

  it('exposes events as typed Observables', async () => {
    const service = TestBed.inject(TrtcClientService);
    const ref = service.createClient({ mode: 'rtc', sdkAppId: 1, userId: 'alice', userSig: 'sig' });
    const events: TrtcClientEvent[] = [];
    const states: string[] = [];
    ref.events$.subscribe((e) => events.push(e));
    ref.on$('connection-state-changed').subscribe(({ state }) => states.push(state));
    await ref.client.join({ roomId: 5 });
    expect(states).toEqual(['CONNECTING', 'CONNECTED']);
    expect(events.map((e) => e.type)).toEqual(['connection-state-changed', 'connection-state-changed']);
  });

  it('destroys clients (leaving their rooms) when the injector is destroyed', async () => {
    const service = TestBed.inject(TrtcClientService);
    const ref = service.createClient({ mode: 'rtc', sdkAppId: 1, userId: 'alice', userSig: 'sig' });
    let completed = false;
    ref.events$.subscribe({ complete: () => (completed = true) });
    await ref.client.join({ roomId: 5 });
    TestBed.resetTestingModule();
    await settle();
    expect(completed).toBeTrue();
    expect(ref.client.isDestroyed).toBeTrue();
    expect(server.members.length).toBe(0);
  });

  it('ref.destroy() stops tracking the client', () => {
    const service = TestBed.inject(TrtcClientService);
    const ref = service.createClient({ mode: 'rtc', sdkAppId: 1, userId: 'alice', userSig: 'sig' });
    ref.destroy();
    expect(service.clients()).toEqual([]);
    expect(service.refOf(ref.client)).toBeUndefined();
  });
});

describe('provideTrtc', () => {
  afterEach(() => resetTrtcDefaults());

  it('merges the config over defaults and configures the TRTC facade', () => {
    const retryPolicy = createDefaultRetryPolicy();
    const injector = createEnvironmentInjector(
      [provideTrtc({ serverUrl: 'wss://rtc.example.test/rtc', timeouts: { requestMs: 3000 }, retryPolicy })],
      TestBed.inject(EnvironmentInjector),
    );
    const config = injector.get(TRTC_CONFIG);
    expect(config.serverUrl).toBe('wss://rtc.example.test/rtc');
    expect(config.timeouts.requestMs).toBe(3000);
    expect(config.timeouts.connectMs).toBe(5000);
    expect(getTrtcDefaults().serverUrl).toBe('wss://rtc.example.test/rtc');
    expect(getTrtcDefaults().retryPolicy).toBe(retryPolicy);
    injector.destroy();
  });

  it('defaults the server URL to /rtc on the page host', () => {
    const config = TestBed.inject(TRTC_CONFIG);
    expect(config.serverUrl).toBe(`ws://${location.host}/rtc`);
  });
});
