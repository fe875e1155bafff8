import { ChangeDetectionStrategy, Component, DestroyRef, effect, ElementRef, inject, input, viewChild } from '@angular/core';

import { FrameTicker } from './frame-ticker';

/** What a meter reads: a local or remote stream. */
export interface MeteredStream {
  getAudioLevel(): number;
  isSpeaking?(): boolean;
}

/**
 * A bar showing a stream's audio level, smooth at display rate. All meters share
 * one requestAnimationFrame loop and write only a transform and a class, and
 * only when the value changes, so twenty of them are cheap.
 *
 * `<trtc-audio-meter [stream]="stream" />`; style with `--trtc-meter-color`,
 * `--trtc-meter-speaking-color`, `--trtc-meter-background`.
 */
@Component({
  selector: 'trtc-audio-meter',
  standalone: true,
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div #bar class="trtc-audio-meter__bar"></div>`,
  styles: `
    :host {
      display: block;
      position: relative;
      overflow: hidden;
      height: 6px;
      border-radius: 3px;
      background: var(--trtc-meter-background, rgba(127, 127, 127, 0.25));
    }
    .trtc-audio-meter__bar {
      position: absolute;
      inset: 0;
      transform-origin: left center;
      transform: scaleX(0);
      background: var(--trtc-meter-color, #3c9);
      will-change: transform;
    }
    :host(.trtc-speaking) .trtc-audio-meter__bar {
      background: var(--trtc-meter-speaking-color, #2b7);
    }
  `,
  host: { role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'audio level' },
})
export class AudioMeterComponent {
  /** The stream to meter; nothing shows while null. */
  readonly stream = input<MeteredStream | null>(null);

  private readonly _host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly _bar = viewChild.required<ElementRef<HTMLDivElement>>('bar');
  private _shown = -1;
  private _speaking = false;

  constructor() {
    const ticker = inject(FrameTicker);
    let remove: (() => void) | null = null;
    effect(() => {
      const stream = this.stream();
      const bar = this._bar().nativeElement;
      remove?.();
      remove = null;
      this._render(bar, 0, false);
      if (!stream) return;
      remove = ticker.add(() => this._render(bar, stream.getAudioLevel(), stream.isSpeaking?.() ?? false));
    });
    inject(DestroyRef).onDestroy(() => remove?.());
  }

  private _render(bar: HTMLDivElement, level: number, speaking: boolean): void {
    const percent = Math.round(Math.min(1, Math.max(0, level)) * 100);
    if (percent !== this._shown) {
      this._shown = percent;
      bar.style.transform = `scaleX(${percent / 100})`;
      this._host.setAttribute('aria-valuenow', String(percent));
    }
    if (speaking !== this._speaking) {
      this._speaking = speaking;
      this._host.classList.toggle('trtc-speaking', speaking);
    }
  }
}
