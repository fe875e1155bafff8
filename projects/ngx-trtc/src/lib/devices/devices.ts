import { ErrorCode, RtcError } from '../errors/rtc-error';
import { defaultMediaDevices, MediaDevicesLike } from './media-devices';

/** Result of {@link checkSystemRequirements}, shaped as trtc-js-sdk v4's. */
export interface SystemRequirementsResult {
  result: boolean;
  detail: {
    isBrowserSupported: boolean;
    isWebRTCSupported: boolean;
    isMediaDevicesSupported: boolean;
    isH264EncodeSupported: boolean;
    isVp8EncodeSupported: boolean;
    isH264DecodeSupported: boolean;
    isVp8DecodeSupported: boolean;
    /** ngx-trtc: MediaStreamTrackProcessor/Generator (off-main-thread effects). */
    isInsertableStreamsSupported: boolean;
    /** ngx-trtc: AudioWorklet (levels and capture gain). */
    isAudioWorkletSupported: boolean;
    /** ngx-trtc: WebAssembly (the media core). */
    isWebAssemblySupported: boolean;
  };
}

function requireDevices(devices: MediaDevicesLike | null): MediaDevicesLike {
  if (!devices) {
    throw new RtcError(ErrorCode.NOT_SUPPORTED, 'navigator.mediaDevices is unavailable (insecure context?)');
  }
  return devices;
}

/** Every media device (trtc-js-sdk `TRTC.getDevices()`). Labels are empty until the user grants access. */
export async function getDevices(devices: MediaDevicesLike | null = defaultMediaDevices()): Promise<MediaDeviceInfo[]> {
  return requireDevices(devices).enumerateDevices();
}

/** Cameras (trtc-js-sdk `TRTC.getCameras()`). */
export async function getCameras(devices: MediaDevicesLike | null = defaultMediaDevices()): Promise<MediaDeviceInfo[]> {
  return (await getDevices(devices)).filter((d) => d.kind === 'videoinput');
}

/** Microphones (trtc-js-sdk `TRTC.getMicrophones()`). */
export async function getMicrophones(devices: MediaDevicesLike | null = defaultMediaDevices()): Promise<MediaDeviceInfo[]> {
  return (await getDevices(devices)).filter((d) => d.kind === 'audioinput');
}

/** Speakers (trtc-js-sdk `TRTC.getSpeakers()`). */
export async function getSpeakers(devices: MediaDevicesLike | null = defaultMediaDevices()): Promise<MediaDeviceInfo[]> {
  return (await getDevices(devices)).filter((d) => d.kind === 'audiooutput');
}

function codecSupported(direction: 'sender' | 'receiver', mimeType: string): boolean {
  const api = direction === 'sender' ? globalThis.RTCRtpSender : globalThis.RTCRtpReceiver;
  const codecs = api?.getCapabilities?.('video')?.codecs ?? [];
  return codecs.some((c) => c.mimeType.toLowerCase() === mimeType);
}

/** Whether this browser can run ngx-trtc (trtc-js-sdk `TRTC.checkSystemRequirements()`). */
export async function checkSystemRequirements(
  devices: MediaDevicesLike | null = defaultMediaDevices(),
): Promise<SystemRequirementsResult> {
  const isWebRTCSupported = typeof globalThis.RTCPeerConnection === 'function';
  const isMediaDevicesSupported = !!devices && typeof devices.getUserMedia === 'function';
  const isWebAssemblySupported = typeof globalThis.WebAssembly === 'object';
  const isAudioWorkletSupported =
    typeof globalThis.AudioWorkletNode === 'function' && typeof globalThis.AudioContext === 'function';
  const detail: SystemRequirementsResult['detail'] = {
    isBrowserSupported: isWebRTCSupported && isMediaDevicesSupported && typeof globalThis.Promise === 'function',
    isWebRTCSupported,
    isMediaDevicesSupported,
    isH264EncodeSupported: codecSupported('sender', 'video/h264'),
    isVp8EncodeSupported: codecSupported('sender', 'video/vp8'),
    isH264DecodeSupported: codecSupported('receiver', 'video/h264'),
    isVp8DecodeSupported: codecSupported('receiver', 'video/vp8'),
    isInsertableStreamsSupported: isInsertableStreamsSupported(),
    isAudioWorkletSupported,
    isWebAssemblySupported,
  };
  const result =
    detail.isBrowserSupported && (detail.isVp8EncodeSupported || detail.isH264EncodeSupported) && isWebAssemblySupported;
  return { result, detail };
}

/** Whether the browser can share a screen (trtc-js-sdk `TRTC.isScreenShareSupported()`). */
export function isScreenShareSupported(devices: MediaDevicesLike | null = defaultMediaDevices()): boolean {
  return !!devices && typeof devices.getDisplayMedia === 'function';
}

/** Whether the browser can send a small (simulcast) stream (trtc-js-sdk `TRTC.isSmallStreamSupported()`). */
export function isSmallStreamSupported(): boolean {
  const pc = globalThis.RTCPeerConnection;
  return typeof pc === 'function' && 'addTransceiver' in pc.prototype && typeof globalThis.RTCRtpSender === 'function';
}

/** Whether MediaStreamTrackProcessor/Generator exist on window (breakout-box video effects). */
export function isInsertableStreamsSupported(): boolean {
  const g = globalThis as { MediaStreamTrackProcessor?: unknown; MediaStreamTrackGenerator?: unknown };
  return typeof g.MediaStreamTrackProcessor === 'function' && typeof g.MediaStreamTrackGenerator === 'function';
}
