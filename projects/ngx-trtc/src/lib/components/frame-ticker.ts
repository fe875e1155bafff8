import { Injectable } from '@angular/core';

/**
 * One requestAnimationFrame loop shared by every audio meter on the page: it
 * runs only while some meter listens, and each meter writes its DOM directly
 * (no change detection), so twenty meters cost one rAF callback.
 */
@Injectable({ providedIn: 'root' })
export class FrameTicker {
  private readonly _callbacks = new Set<(now: number) => void>();
  private _handle = 0;

  /** Calls `callback` every animation frame until the returned function is called. */
  add(callback: (now: number) => void): () => void {
    this._callbacks.add(callback);
    if (!this._handle && typeof requestAnimationFrame === 'function') this._handle = requestAnimationFrame(this._tick);
    return () => {
      this._callbacks.delete(callback);
      if (this._callbacks.size === 0 && this._handle) {
        cancelAnimationFrame(this._handle);
        this._handle = 0;
      }
    };
  }

  /** Number of listening callbacks. */
  get size(): number {
    return this._callbacks.size;
  }

  private readonly _tick = (now: number) => {
    this._handle = 0;
    for (const callback of this._callbacks) {
      try {
        callback(now);
      } catch (error) {
        // One broken meter must not stop the others.
        console.error('[ngx-trtc] frame callback threw', error);
      }
    }
    if (this._callbacks.size) this._handle = requestAnimationFrame(this._tick);
  };
}
