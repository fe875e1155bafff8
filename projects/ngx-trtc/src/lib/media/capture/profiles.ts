import { ErrorCode, RtcError } from '../../errors/rtc-error';

/** A video profile as trtc-js-sdk v4 spells it: size, frame rate and bitrate in kbps. */
export interface VideoProfile {
  width: number;
  height: number;
  frameRate: number;
  bitrate: number;
}

/** Audio profile of trtc-js-sdk v4: sample rate, channels and bitrate in kbps. */
export interface AudioProfile {
  sampleRate: number;
  channelCount: 1 | 2;
  bitrate: number;
}

/** Names of trtc-js-sdk v4 camera profiles. */
export type VideoProfileName = '120p' | '180p' | '240p' | '360p' | '480p' | '720p' | '1080p' | '1440p' | '4K';
/** Names of trtc-js-sdk v4 audio profiles. */
export type AudioProfileName = 'standard' | 'high' | 'standard-stereo' | 'high-stereo';
/** Names of trtc-js-sdk v4 screen-share profiles. */
export type ScreenProfileName = '480p' | '480p_2' | '720p' | '720p_2' | '1080p' | '1080p_2';

/** trtc-js-sdk v4's camera profile table. */
export const VIDEO_PROFILES: Readonly<Record<VideoProfileName, VideoProfile>> = {
  '120p': { width: 160, height: 120, frameRate: 15, bitrate: 200 },
  '180p': { width: 320, height: 180, frameRate: 15, bitrate: 350 },
  '240p': { width: 320, height: 240, frameRate: 15, bitrate: 400 },
  '360p': { width: 640, height: 360, frameRate: 15, bitrate: 800 },
  '480p': { width: 640, height: 480, frameRate: 15, bitrate: 900 },
  '720p': { width: 1280, height: 720, frameRate: 15, bitrate: 1500 },
  '1080p': { width: 1920, height: 1080, frameRate: 15, bitrate: 2000 },
  '1440p': { width: 2560, height: 1440, frameRate: 30, bitrate: 4860 },
  '4K': { width: 3840, height: 2160, frameRate: 30, bitrate: 9000 },
};

/** trtc-js-sdk v4's audio profile table. */
export const AUDIO_PROFILES: Readonly<Record<AudioProfileName, AudioProfile>> = {
  standard: { sampleRate: 48000, channelCount: 1, bitrate: 40 },
  high: { sampleRate: 48000, channelCount: 1, bitrate: 128 },
  'standard-stereo': { sampleRate: 48000, channelCount: 2, bitrate: 64 },
  'high-stereo': { sampleRate: 48000, channelCount: 2, bitrate: 192 },
};

/** trtc-js-sdk v4's screen-share profile table. */
export const SCREEN_PROFILES: Readonly<Record<ScreenProfileName, VideoProfile>> = {
  '480p': { width: 640, height: 480, frameRate: 5, bitrate: 900 },
  '480p_2': { width: 640, height: 480, frameRate: 30, bitrate: 1000 },
  '720p': { width: 1280, height: 720, frameRate: 5, bitrate: 1200 },
  '720p_2': { width: 1280, height: 720, frameRate: 30, bitrate: 3000 },
  '1080p': { width: 1920, height: 1080, frameRate: 5, bitrate: 1600 },
  '1080p_2': { width: 1920, height: 1080, frameRate: 30, bitrate: 4000 },
};

/** Defaults of trtc-js-sdk v4. */
export const DEFAULT_VIDEO_PROFILE: VideoProfileName = '480p';
export const DEFAULT_AUDIO_PROFILE: AudioProfileName = 'standard';
export const DEFAULT_SCREEN_PROFILE: ScreenProfileName = '1080p';

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function resolveTable<K extends string>(
  table: Readonly<Record<K, VideoProfile>>,
  profile: K | Partial<VideoProfile>,
  what: string,
  base: VideoProfile,
): VideoProfile {
  if (typeof profile === 'string') {
    const found = (table as Record<string, VideoProfile>)[profile];
    if (!found) throw new RtcError(ErrorCode.INVALID_PARAMETER, `unknown ${what} profile '${profile}'`);
    return { ...found };
  }
  if (!profile || typeof profile !== 'object') {
    throw new RtcError(ErrorCode.INVALID_PARAMETER, `${what} profile must be a name or {width, height, frameRate, bitrate}`);
  }
  const merged = { ...base, ...profile };
  for (const key of ['width', 'height', 'frameRate', 'bitrate'] as const) {
    if (!isPositive(merged[key])) {
      throw new RtcError(ErrorCode.INVALID_PARAMETER, `${what} profile ${key} must be a positive number`);
    }
  }
  return merged;
}

/** A camera profile name or object, checked; throws INVALID_PARAMETER. */
export function resolveVideoProfile(profile: VideoProfileName | Partial<VideoProfile>): VideoProfile {
  return resolveTable(VIDEO_PROFILES, profile, 'video', VIDEO_PROFILES[DEFAULT_VIDEO_PROFILE]);
}

/** A screen profile name or object, checked; throws INVALID_PARAMETER. */
export function resolveScreenProfile(profile: ScreenProfileName | Partial<VideoProfile>): VideoProfile {
  return resolveTable(SCREEN_PROFILES, profile, 'screen', SCREEN_PROFILES[DEFAULT_SCREEN_PROFILE]);
}

/** An audio profile name, checked; throws INVALID_PARAMETER. */
export function resolveAudioProfile(profile: AudioProfileName): AudioProfile {
  const found = (AUDIO_PROFILES as Record<string, AudioProfile>)[profile];
  if (!found) throw new RtcError(ErrorCode.INVALID_PARAMETER, `unknown audio profile '${String(profile)}'`);
  return { ...found };
}
