import { InjectionToken } from '@angular/core';

/**
 * The part of `navigator.mediaDevices` ngx-trtc uses. Fakes (`ngx-trtc/testing`)
 * implement this, so they cannot drift from what the library calls.
 */
export interface MediaDevicesLike {
  getUserMedia(constraints?: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

let overrideDevices: MediaDevicesLike | null = null;

/**
 * The media devices the non-DI facade (`TRTC.createStream`, `TRTC.getCameras`)
 * uses: an override set by {@link setDefaultMediaDevices}, else
 * `navigator.mediaDevices`, else `null` (insecure context, server).
 */
export function defaultMediaDevices(): MediaDevicesLike | null {
  if (overrideDevices) return overrideDevices;
  if (typeof navigator === 'undefined' || !navigator.mediaDevices) return null;
  return navigator.mediaDevices as MediaDevicesLike;
}

/** Replaces the devices {@link defaultMediaDevices} returns (`null` restores the browser's). Used by test fakes. */
export function setDefaultMediaDevices(devices: MediaDevicesLike | null): void {
  overrideDevices = devices;
}

// Pure: an app that never injects it (the TRTC facade alone) tree-shakes @angular/core away.
/** `navigator.mediaDevices` behind a token, so tests can swap it. */
export const MEDIA_DEVICES = /* @__PURE__ */ new InjectionToken<MediaDevicesLike | null>('MEDIA_DEVICES', {
  providedIn: 'root',
  factory: defaultMediaDevices,
});
