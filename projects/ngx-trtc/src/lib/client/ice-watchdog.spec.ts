import { FakeClock } from 'ngx-trtc/testing';

import type { PeerConnectionRole } from '../transport/sfu-transport';
import { IceWatchdog } from './ice-watchdog';

describe('IceWatchdog', () => {
  let clock: FakeClock;
  let states: Record<PeerConnectionRole, RTCIceConnectionState>;
  let current: boolean;
  let restarts: number;
  let rejoins: number;
  let watchdog: IceWatchdog;

  /** Sets a connection's state and feeds it to the watchdog, as the transport's event does. */
  function ice(role: PeerConnectionRole, state: RTCIceConnectionState): void {
    states[role] = state;
    watchdog.onIceState(role, state);
  }

  beforeEach(() => {
    clock = new FakeClock();
    states = { publisher: 'connected', subscriber: 'connected' };
    current = true;
    restarts = 0;
    rejoins = 0;
    watchdog = new IceWatchdog(
      clock,
      { iceDisconnectedGraceMs: 2000, iceRestartMs: 8000 },
      {
        isCurrent: () => current,
        iceState: (role) => states[role],
        restartIce: () => restarts++,
        rejoin: () => rejoins++,
      },
    );
  });

  it('publisher disconnected past the grace period → ICE restart; still down after iceRestartMs → re-join', () => {
    ice('publisher', 'disconnected');
    clock.tick(1999);
    expect(restarts).toBe(0);
    clock.tick(1);
    expect(restarts).toBe(1);
    clock.tick(7999);
    expect(rejoins).toBe(0);
    clock.tick(1);
    expect(rejoins).toBe(1);
  });

  it('publisher recovering within the grace period, or after the restart, costs nothing more', () => {
    ice('publisher', 'disconnected');
    clock.tick(1000);
    ice('publisher', 'connected');
    clock.tick(20_000);
    expect([restarts, rejoins]).toEqual([0, 0]);

    ice('publisher', 'disconnected');
    clock.tick(2000);
    expect(restarts).toBe(1);
    ice('publisher', 'connected');
    clock.tick(20_000);
    expect(rejoins).toBe(0);
  });

  it("'failed' has no grace period; the subscriber re-joins at once instead of restarting ICE", () => {
    ice('subscriber', 'failed');
    clock.tick(0);
    expect([restarts, rejoins]).toEqual([0, 1]);
  });

  it('does nothing for a connection no longer in use, or after clear()', () => {
    ice('publisher', 'disconnected');
    current = false;
    clock.tick(2000);
    expect(restarts).toBe(0);

    current = true;
    ice('subscriber', 'disconnected');
    watchdog.clear();
    clock.tick(20_000);
    expect([restarts, rejoins]).toEqual([0, 0]);
    expect(clock.pendingTimers).toBe(0);
  });
});
