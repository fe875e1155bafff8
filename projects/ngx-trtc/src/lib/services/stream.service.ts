import { DestroyRef, inject, Injectable, Signal, signal } from '@angular/core';
import { merge, Observable, Subject, Subscription } from 'rxjs';

import { watchDevices, DeviceChange } from '../devices/device-watcher';
import {
  checkSystemRequirements,
  getCameras,
  getDevices,
  getMicrophones,
  getSpeakers,
  isScreenShareSupported,
  isSmallStreamSupported,
  SystemRequirementsResult,
} from '../devices/devices';
import { MEDIA_DEVICES } from '../devices/media-devices';
import { LocalStream } from '../stream/local-stream';
import { StreamConfig } from '../stream/stream-config';

/**
 * Angular front of streams and devices: creates local streams on the injected
 * media devices, keeps device lists as signals, and reports devices coming and
 * going. Streams it created are closed when the injector is destroyed.
 */
@Injectable({ providedIn: 'root' })
export class StreamService {
  private readonly _devices = inject(MEDIA_DEVICES);
  private readonly _streams = new Set<LocalStream>();
  private readonly _cameras = signal<MediaDeviceInfo[]>([]);
  private readonly _microphones = signal<MediaDeviceInfo[]>([]);
  private readonly _speakers = signal<MediaDeviceInfo[]>([]);
  private readonly _watch: Subscription;
  private readonly _active = new Subject<DeviceChange>();

  /**
   * Devices added or removed, per kind, and `active` when a stream of this
   * service moved to another device (switchDevice, or fallback after an unplug).
   */
  readonly deviceChanges$: Observable<DeviceChange> = merge(watchDevices(this._devices), this._active);
  /** Cameras; labels fill in once the user grants access. */
  readonly cameras: Signal<MediaDeviceInfo[]> = this._cameras.asReadonly();
  /** Microphones. */
  readonly microphones: Signal<MediaDeviceInfo[]> = this._microphones.asReadonly();
  /** Speakers. */
  readonly speakers: Signal<MediaDeviceInfo[]> = this._speakers.asReadonly();

  constructor() {
    this._watch = this.deviceChanges$.subscribe((change) => {
      if (change.type !== 'active') void this.refreshDevices();
    });
    void this.refreshDevices();
    inject(DestroyRef).onDestroy(() => {
      this._watch.unsubscribe();
      this._active.complete();
      for (const stream of [...this._streams]) stream.close();
      this._streams.clear();
    });
  }

  /** `TRTC.createStream()` on the injected media devices; the service closes it on destroy. */
  createStream(config: StreamConfig): LocalStream {
    const stream: LocalStream = new LocalStream(config, {
      mediaDevices: this._devices,
      // Labels appear once access is granted: refresh the lists after the first capture.
      onInitialized: () => void this.refreshDevices(),
      onClosed: () => this._streams.delete(stream),
    });
    this._streams.add(stream);
    stream.on('device-changed', (e) => {
      const kind: MediaDeviceKind = e.kind === 'audio' ? 'audioinput' : 'videoinput';
      const list = e.kind === 'audio' ? this._microphones() : this._cameras();
      const known = list.find((d) => d.deviceId === e.deviceId);
      const device = known ?? ({ deviceId: e.deviceId, groupId: '', kind, label: e.label, toJSON: () => e } as MediaDeviceInfo);
      this._active.next({ type: 'active', kind, device });
    });
    return stream;
  }

  /** Re-reads the device lists into the signals. */
  async refreshDevices(): Promise<void> {
    if (!this._devices) return;
    try {
      const all = await this._devices.enumerateDevices();
      this._cameras.set(all.filter((d) => d.kind === 'videoinput'));
      this._microphones.set(all.filter((d) => d.kind === 'audioinput'));
      this._speakers.set(all.filter((d) => d.kind === 'audiooutput'));
    } catch (error) {
      // Enumeration fails only transiently (e.g. in a detached document); keep the old lists.
      console.warn('[ngx-trtc] enumerateDevices failed', error);
    }
  }

  getDevices(): Promise<MediaDeviceInfo[]> {
    return getDevices(this._devices);
  }

  getCameras(): Promise<MediaDeviceInfo[]> {
    return getCameras(this._devices);
  }

  getMicrophones(): Promise<MediaDeviceInfo[]> {
    return getMicrophones(this._devices);
  }

  getSpeakers(): Promise<MediaDeviceInfo[]> {
    return getSpeakers(this._devices);
  }

  checkSystemRequirements(): Promise<SystemRequirementsResult> {
    return checkSystemRequirements(this._devices);
  }

  isScreenShareSupported(): boolean {
    return isScreenShareSupported(this._devices);
  }

  isSmallStreamSupported(): boolean {
    return isSmallStreamSupported();
  }
}
