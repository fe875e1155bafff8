import { ChangeDetectionStrategy, Component, computed, input, output, viewChild } from '@angular/core';
import { AudioMeterComponent, LocalStream, RemoteStream, VideoViewComponent } from 'ngx-trtc';
import type { NetworkQualityLevel } from 'ngx-trtc';

import { NetworkBarsComponent } from './network-bars.component';

/** What a tile shows. */
export interface TileModel {
  key: string;
  userId: string;
  type: 'main' | 'auxiliary';
  isLocal: boolean;
  stream: LocalStream | RemoteStream | null;
  audioMuted: boolean;
  videoMuted: boolean;
  hasAudio: boolean;
  /** Mirror the picture (self-view). */
  mirror: boolean;
}

/** One participant's camera or screen: video, name, mute icons, level meter, network bars. */
@Component({
  selector: 'app-tile',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [VideoViewComponent, AudioMeterComponent, NetworkBarsComponent],
  template: `
    <figure
      class="tile"
      data-testid="tile"
      [attr.data-user-id]="tile().userId"
      [attr.data-stream-type]="tile().type"
      [attr.data-local]="tile().isLocal"
      [attr.data-speaking]="speaking()"
      [class.tile--speaking]="speaking()"
      [class.tile--screen]="tile().type === 'auxiliary'"
      [attr.aria-label]="label()"
    >
      <trtc-video-view
        class="tile__video"
        [stream]="tile().stream"
        [fit]="tile().type === 'auxiliary' ? 'contain' : 'cover'"
        [mirror]="tile().mirror"
        (autoplayBlocked)="autoplayBlocked.emit()"
      />
      @if (tile().videoMuted || !tile().stream) {
        <div class="tile__placeholder" aria-hidden="true">{{ initials() }}</div>
      }
      <figcaption class="tile__bar">
        <span class="tile__name" data-testid="tile-name">{{ name() }}</span>
        @if (tile().audioMuted) {
          <span class="icon" data-testid="tile-audio-muted" role="img" aria-label="microphone off" title="Microphone off">🔇</span>
        }
        @if (tile().videoMuted) {
          <span class="icon" data-testid="tile-video-muted" role="img" aria-label="camera off" title="Camera off">🚫</span>
        }
        <app-network-bars class="tile__net" [level]="quality()" />
      </figcaption>
      @if (tile().type === 'main' && tile().hasAudio) {
        <trtc-audio-meter class="tile__meter" data-testid="tile-meter" [stream]="tile().audioMuted ? null : tile().stream" />
      }
    </figure>
  `,
  styles: `
    :host { display: block; min-width: 0; }
    .tile {
      position: relative; margin: 0; aspect-ratio: 16 / 9; border-radius: 10px; overflow: hidden; background: #202124;
      outline: 3px solid transparent; transition: outline-color 120ms;
    }
    .tile--speaking { outline-color: #34a853; }
    .tile__video { position: absolute; inset: 0; }
    .tile__placeholder {
      position: absolute; inset: 0; display: grid; place-items: center; font-size: 2.5rem; font-weight: 600;
      background: #2d3136; color: #bdc1c6;
    }
    .tile__bar {
      position: absolute; left: 8px; bottom: 12px; right: 8px; display: flex; align-items: center; gap: 6px;
      font-size: 0.9rem; text-shadow: 0 1px 2px #000;
    }
    .tile__name { background: rgba(0, 0, 0, 0.55); padding: 2px 8px; border-radius: 4px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .tile__net { margin-left: auto; }
    .tile__meter { position: absolute; left: 0; right: 0; bottom: 0; height: 4px; border-radius: 0; }
    .icon { background: rgba(0, 0, 0, 0.55); border-radius: 4px; padding: 0 4px; }
  `,
})
export class TileComponent {
  readonly tile = input.required<TileModel>();
  readonly speaking = input(false);
  readonly quality = input<NetworkQualityLevel>(0);
  readonly autoplayBlocked = output<void>();

  private readonly _view = viewChild(VideoViewComponent);

  protected readonly name = computed(() => {
    const t = this.tile();
    const who = t.isLocal ? `${t.userId} (you)` : t.userId;
    return t.type === 'auxiliary' ? `${who} · screen` : who;
  });
  protected readonly label = computed(() => {
    const t = this.tile();
    const parts = [this.name()];
    if (t.audioMuted) parts.push('microphone off');
    if (t.videoMuted) parts.push('camera off');
    if (this.speaking()) parts.push('speaking');
    return parts.join(', ');
  });
  protected readonly initials = computed(() => this.tile().userId.slice(0, 2).toUpperCase());

  /** Retries playback after autoplay was blocked (from a click). */
  resume(): Promise<void> {
    return this._view()?.resume() ?? Promise.resolve();
  }
}
