/** A recording RoomMember for room and registry tests. */
import type { BanReason, Role, RoomMember, ServerNotification } from '../../src/rooms/types.js';

/** A member that records what it is sent. */
export class RecordingMember implements RoomMember {
  readonly received: ServerNotification[] = [];
  evictedWith: { reason: BanReason; message: string } | undefined;
  onEvict: (() => void) | undefined;

  constructor(
    readonly userId: string,
    public role: Role = 'anchor',
    readonly connectionId = `${userId}-${Math.random().toString(36).slice(2, 8)}`,
  ) {}

  notify(notification: ServerNotification): void {
    this.received.push(notification);
  }

  evict(reason: BanReason, message: string): void {
    this.evictedWith = { reason, message };
    this.onEvict?.();
  }

  /** Names of the notifications received, in order. */
  methods(): string[] {
    return this.received.map((n) => n.method);
  }
}
