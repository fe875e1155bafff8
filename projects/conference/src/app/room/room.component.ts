import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, signal, viewChildren } from '@angular/core';

import { ConferenceStore } from '../conference.store';
import { StatsPanelComponent } from './stats-panel.component';
import { TileComponent, TileModel } from './tile.component';

/** A level (0–100) above which a tile counts as speaking. */
const SPEAKING_VOLUME = 12;

/** The call: a grid of tiles, the controls, and what went wrong or is happening. */
@Component({
  selector: 'app-room',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TileComponent, StatsPanelComponent],
  templateUrl: './room.component.html',
  styleUrl: './room.component.css',
})
export class RoomComponent {
  protected readonly store = inject(ConferenceStore);
  protected readonly showStats = signal(false);
  protected readonly showReconnected = signal(false);
  private readonly _tiles = viewChildren(TileComponent);

  protected readonly tiles = computed<TileModel[]>(() => {
    const store = this.store;
    const me = store.settings().userId;
    const tiles: TileModel[] = [];
    const camera = store.camera();
    if (store.isAnchor() && camera) {
      tiles.push({
        key: 'local:main',
        userId: me,
        type: 'main',
        isLocal: true,
        stream: camera,
        audioMuted: store.audioMuted(),
        videoMuted: store.videoMuted(),
        hasAudio: camera.hasAudio(),
        // Self-view is mirrored; when the published video is mirrored already, flip it back.
        mirror: !store.settings().mirror,
      });
    }
    const screen = store.screen();
    if (screen) {
      tiles.push({ key: 'local:aux', userId: me, type: 'auxiliary', isLocal: true, stream: screen, audioMuted: false, videoMuted: false, hasAudio: false, mirror: false });
    }
    const muted = new Map(store.mutedStates().map((m) => [m.userId, m]));
    const withStream = new Set<string>();
    for (const stream of store.remoteStreams()) {
      const userId = stream.getUserId();
      const type = stream.getType();
      if (type === 'main') withStream.add(userId);
      const state = type === 'main' ? muted.get(userId) : undefined;
      const media = stream.getMediaState();
      tiles.push({
        key: `${userId}:${type}:${stream.getId()}`,
        userId,
        type,
        isLocal: false,
        stream,
        audioMuted: type === 'main' && (state ? state.audioMuted || !state.hasAudio : media.audioMuted || !media.hasAudio),
        videoMuted: state ? state.videoMuted || !state.hasVideo : media.videoMuted || !media.hasVideo,
        hasAudio: media.hasAudio,
        mirror: false,
      });
    }
    // In a call, someone without a camera still gets a tile; a live audience stays out of the grid.
    if (!store.isLive()) {
      for (const peer of store.peers()) {
        if (withStream.has(peer.userId) || peer.userId === me) continue;
        tiles.push({ key: `${peer.userId}:none`, userId: peer.userId, type: 'main', isLocal: false, stream: null, audioMuted: true, videoMuted: true, hasAudio: false, mirror: false });
      }
    }
    return tiles;
  });

  protected readonly speaking = computed(() => {
    const volumes = this.store.volumes();
    const result = new Set<string>();
    for (const [key, volume] of volumes) if (volume >= SPEAKING_VOLUME) result.add(key);
    return result;
  });

  protected readonly reconnecting = computed(() => this.store.connectionState() === 'RECONNECTING');
  protected readonly audienceCount = computed(() => {
    if (!this.store.isLive()) return 0;
    const anchors = new Set(this.store.remoteStreams().map((s) => s.getUserId()));
    return this.store.peers().filter((p) => !anchors.has(p.userId)).length;
  });
  /** Remote users whose media cannot be opened, in words. */
  protected readonly e2eeProblems = computed(() =>
    [...this.store.e2eeProblems().values()].map((e) => ({
      userId: e.userId,
      text:
        e.state === 'decrypt-failed'
          ? 'cannot decrypt their media: is their passphrase the same as yours?'
          : e.state === 'missing-key'
            ? 'no key for their media yet'
            : e.state === 'unencrypted'
              ? 'they send without encryption (no passphrase): their media is not shown'
              : e.message,
    })),
  );
  protected readonly gridClass = computed(() => `grid grid--${Math.min(this.tiles().length, 9)}`);

  constructor() {
    let timer: ReturnType<typeof setTimeout> | null = null;
    effect(() => {
      if (!this.store.reconnectedAt()) return;
      this.showReconnected.set(true);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => this.showReconnected.set(false), 4000);
    });
    inject(DestroyRef).onDestroy(() => timer && clearTimeout(timer));
  }

  protected isSpeaking(tile: TileModel): boolean {
    return tile.type === 'main' && !tile.audioMuted && this.speaking().has(`${tile.userId}:main`);
  }

  protected qualityOf(tile: TileModel) {
    if (tile.isLocal) return this.store.networkQuality()?.uplinkNetworkQuality ?? 0;
    return this.store.remoteQuality().get(tile.userId) ?? this.store.networkQuality()?.downlinkNetworkQuality ?? 0;
  }

  protected async resumePlayback(): Promise<void> {
    this.store.clearAutoplayBlocked();
    await Promise.all(this._tiles().map((t) => t.resume()));
  }

  protected switchDevice(kind: 'audio' | 'video', event: Event): void {
    void this.store.switchDevice(kind, (event.target as HTMLSelectElement).value);
  }

  protected setMirror(event: Event): void {
    void this.store.setEffects((event.target as HTMLInputElement).checked, this.store.settings().beauty);
  }

  protected setNoiseSuppression(event: Event): void {
    void this.store.setNoiseSuppression((event.target as HTMLInputElement).checked);
  }

  protected setBeauty(event: Event): void {
    void this.store.setEffects(this.store.settings().mirror, Number((event.target as HTMLInputElement).value));
  }
}
