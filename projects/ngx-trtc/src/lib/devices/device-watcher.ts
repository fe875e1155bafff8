import { Observable, share } from 'rxjs';

import { defaultMediaDevices, MediaDevicesLike } from './media-devices';

/**
 * A device appeared or disappeared, or (from StreamService) a stream started
 * using another device (`active`). An ngx-trtc addition; trtc-js-sdk v4 has no such event.
 */
export interface DeviceChange {
  type: 'add' | 'remove' | 'active';
  kind: MediaDeviceKind;
  device: MediaDeviceInfo;
}

function key(d: MediaDeviceInfo): string {
  return `${d.kind}:${d.deviceId}`;
}

/**
 * Emits one {@link DeviceChange} per device added or removed, by diffing
 * `enumerateDevices()` on every `devicechange`. Shared: one listener however
 * many subscribers; the listener is removed when the last one leaves.
 */
export function watchDevices(devices: MediaDevicesLike | null = defaultMediaDevices()): Observable<DeviceChange> {
  return new Observable<DeviceChange>((subscriber) => {
    if (!devices) {
      subscriber.complete();
      return undefined;
    }
    let known: Map<string, MediaDeviceInfo> | null = null;
    let pending = Promise.resolve();
    let closed = false;
    const refresh = (emit: boolean) => {
      // Serialize enumerations so two quick devicechange events diff in order.
      pending = pending
        .then(() => devices.enumerateDevices())
        .then((list) => {
          if (closed) return;
          const next = new Map(list.map((d) => [key(d), d]));
          if (emit && known) {
            for (const [k, d] of next) if (!known.has(k)) subscriber.next({ type: 'add', kind: d.kind, device: d });
            for (const [k, d] of known) if (!next.has(k)) subscriber.next({ type: 'remove', kind: d.kind, device: d });
          }
          known = next;
        })
        .catch((error: unknown) => {
          // A failed enumeration is transient (e.g. page hidden); the next event re-diffs.
          console.warn('[ngx-trtc] enumerateDevices failed', error);
        });
    };
    const onChange = () => refresh(true);
    refresh(false);
    devices.addEventListener('devicechange', onChange);
    return () => {
      closed = true;
      devices.removeEventListener('devicechange', onChange);
    };
  }).pipe(share());
}
