import { silentLogger } from '../log.js';
import { ServerMetrics } from '../metrics.js';
import { RpcError } from '../rpc/errors.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { BAN_CHECK_TIMEOUT_MS, BanList, banMessage } from './ban-list.js';
import { RoomRegistry } from './room-registry.js';
import type { BanReason, RoomMember, ServerNotification } from './types.js';

const APP = 1400000000;
const T0 = 1_700_000_000;

/** A member that records what it is told. */
class RecordingMember implements RoomMember {
  readonly connectionId: string;
  readonly role = 'anchor' as const;
  readonly evictions: Array<{ reason: BanReason; message: string }> = [];
  readonly seen: ServerNotification[] = [];
  constructor(
    readonly userId: string,
    private readonly _leave: (member: RoomMember) => void,
  ) {
    this.connectionId = `${userId}-conn`;
  }
  notify(notification: ServerNotification): void {
    this.seen.push(notification);
  }
  evict(reason: BanReason, message: string): void {
    this.evictions.push({ reason, message });
    this._leave(this);
  }
}

describe('BanList', () => {
  let now: number;
  let store: MemoryStateStore;
  let registry: RoomRegistry;
  let metrics: ServerMetrics;
  let bans: BanList;
  const member = (userId: string, roomId: number | string = 1): RecordingMember => {
    const m = new RecordingMember(userId, (self) => registry.leave(registry.find(APP, roomId)!, self, 'kick'));
    registry.join(APP, roomId, m, { mayCreate: true });
    return m;
  };

  beforeEach(() => {
    now = T0;
    store = new MemoryStateStore();
    registry = new RoomRegistry({ maxRooms: 10, maxPeersPerRoom: 10 });
    metrics = new ServerMetrics();
    bans = new BanList(store, registry, () => now, metrics, silentLogger);
  });

  afterEach(() => store.close());

  it('words the message with the end of the ban (UTC, to the second) and the reason, if any', () => {
    const ban = { sessionId: `${APP}:n:1`, sdkAppId: APP, roomId: 1, userId: 'u', createdAt: T0, expiresAt: T0 + 90, reason: null };
    expect(banMessage(ban)).toBe('banned from this room until 2023-11-14T22:14:50Z');
    expect(banMessage({ ...ban, reason: 'spam' })).toBe('banned from this room until 2023-11-14T22:14:50Z: spam');
  });

  it('evicts a member of the room with reason banned; the others stay', async () => {
    const alice = member('alice');
    const bob = member('bob');
    const outcome = await bans.ban({ sdkAppId: APP, roomId: 1, userId: 'alice', durationSec: 60, reason: 'spam' });
    expect(outcome.removed).toBeTrue();
    expect(outcome.ban).toEqual(jasmine.objectContaining({ createdAt: T0, expiresAt: T0 + 60, reason: 'spam' }));
    expect(alice.evictions).toEqual([{ reason: 'banned', message: banMessage(outcome.ban) }]);
    expect(bob.evictions).toEqual([]);
    expect(bob.seen).toContain({ method: 'peer-leave', params: { userId: 'alice', reason: 'kick' } });
    expect(registry.find(APP, 1)!.memberOf('alice')).toBeUndefined();
  });

  it('refuses joins with BANNED and the expiry until the ban ends, then admits them', async () => {
    await bans.ban({ sdkAppId: APP, roomId: 1, userId: 'alice', durationSec: 60 });
    const refusal = await bans.checkJoin(APP, 1, 'alice').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toEqual(jasmine.any(RpcError));
    expect((refusal as RpcError).toJSON()).toEqual({ code: 4032, message: 'BANNED', data: { detail: 'banned from this room until 2023-11-14T22:14:20Z', expiresAt: T0 + 60 } });
    await expectAsync(bans.checkJoin(APP, 2, 'alice')).toBeResolved();
    await expectAsync(bans.checkJoin(APP, '1', 'alice')).toBeResolved();
    now = T0 + 60;
    await expectAsync(bans.checkJoin(APP, 1, 'alice')).toBeResolved();
    expect(metrics.bannedJoins.value()).toBe(1);
  });

  it('refuses durations outside 1 s … 7 days', async () => {
    for (const durationSec of [0, -1, 1.5, 7 * 86400 + 1, Number.NaN]) {
      await expectAsync(bans.ban({ sdkAppId: APP, roomId: 1, userId: 'alice', durationSec })).withContext(String(durationSec)).toBeRejectedWithError(RangeError);
    }
    expect(await bans.list()).toEqual([]);
  });

  it('admits a join when the store does not answer in time (logged), without leaving a timer behind', async () => {
    spyOn(store, 'banOf').and.returnValue(new Promise(() => undefined));
    jasmine.clock().install();
    try {
      let settled = false;
      void bans.checkJoin(APP, 1, 'alice').then(() => (settled = true));
      jasmine.clock().tick(BAN_CHECK_TIMEOUT_MS - 1);
      await Promise.resolve();
      expect(settled).toBeFalse();
      jasmine.clock().tick(1);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect(settled).toBeTrue();
    } finally {
      jasmine.clock().uninstall();
    }
  });

  it('re-checks a member once its join is recorded, evicting it only if banned and still there', async () => {
    const alice = member('alice');
    const room = registry.find(APP, 1)!;
    await bans.recheck(room, alice);
    expect(alice.evictions).toEqual([]);
    await store.ban({ sessionId: room.sessionId, sdkAppId: APP, roomId: 1, userId: 'alice', createdAt: T0, expiresAt: T0 + 5, reason: null }, 'x');
    await bans.recheck(room, alice);
    expect(alice.evictions.map((e) => e.reason)).toEqual(['banned']);
  });
});
