import { ErrorCode, ErrorCodeValue, RtcError } from '../../errors/rtc-error';
import { MediaDevicesLike } from '../../devices/media-devices';
import { AudioProfile, VideoProfile } from './profiles';

/** What to capture from the camera and microphone. */
export interface CameraCaptureOptions {
  audio: boolean;
  video: boolean;
  microphoneId?: string;
  cameraId?: string;
  facingMode?: 'user' | 'environment';
  audioProfile: AudioProfile;
  videoProfile: VideoProfile;
}

/** Audio constraints for a profile and device. Echo cancellation etc. stay on, as in trtc-js-sdk. */
export function audioConstraints(profile: AudioProfile, deviceId?: string): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    sampleRate: profile.sampleRate,
    channelCount: profile.channelCount,
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
}

/** Video constraints for a profile, device or facing mode. */
export function videoConstraints(
  profile: VideoProfile,
  deviceId?: string,
  facingMode?: 'user' | 'environment',
): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : facingMode ? { facingMode } : {}),
    width: { ideal: profile.width },
    height: { ideal: profile.height },
    frameRate: { ideal: profile.frameRate },
  };
}

/**
 * Maps a getUserMedia/getDisplayMedia failure to an RtcError. The RtcError keeps
 * the DOMException's `name` (`NotAllowedError`, `NotFoundError`,
 * `NotReadableError`, `OverconstrainedError`, `AbortError`), so code written for
 * trtc-js-sdk v4 (`switch (error.name)`) still works, and adds a code:
 * DEVICE_NOT_FOUND for a missing device, INITIALIZE_FAILED otherwise.
 */
export function captureError(error: unknown, what: string): RtcError {
  if (error instanceof RtcError) return error;
  const name = (error as { name?: string })?.name ?? 'Error';
  const detail = (error as { message?: string })?.message ?? String(error);
  let code: ErrorCodeValue = ErrorCode.INITIALIZE_FAILED;
  let hint: string;
  switch (name) {
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      code = ErrorCode.DEVICE_NOT_FOUND;
      hint = `no ${what} device found`;
      break;
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      hint = `permission to use the ${what} was denied`;
      break;
    case 'NotReadableError':
    case 'TrackStartError':
      hint = `the ${what} is in use by another application or failed to start`;
      break;
    case 'OverconstrainedError':
      code = ErrorCode.DEVICE_NOT_FOUND;
      hint = `no ${what} device matches the requested id or profile`;
      break;
    case 'AbortError':
      hint = `${what} capture was aborted`;
      break;
    case 'TypeError':
      code = ErrorCode.INVALID_PARAMETER;
      hint = `invalid ${what} constraints`;
      break;
    default:
      hint = `${what} capture failed`;
  }
  const rtc = new RtcError(code, `${hint} (${name}: ${detail})`, { cause: error });
  // trtc-js-sdk v4 apps branch on error.name; keep the browser's name.
  rtc.name = name === 'Error' ? 'RtcError' : name;
  return rtc;
}

/** getUserMedia with mapped errors. */
export async function captureCamera(devices: MediaDevicesLike | null, options: CameraCaptureOptions): Promise<MediaStream> {
  if (!devices) throw new RtcError(ErrorCode.NOT_SUPPORTED, 'getUserMedia is unavailable (insecure context?)');
  const what = options.audio && options.video ? 'camera/microphone' : options.video ? 'camera' : 'microphone';
  try {
    return await devices.getUserMedia({
      audio: options.audio ? audioConstraints(options.audioProfile, options.microphoneId) : false,
      video: options.video ? videoConstraints(options.videoProfile, options.cameraId, options.facingMode) : false,
    });
  } catch (error) {
    throw captureError(error, what);
  }
}

/** getDisplayMedia with mapped errors; NOT_SUPPORTED where the browser cannot share a screen. */
export async function captureScreen(
  devices: MediaDevicesLike | null,
  profile: VideoProfile,
  withAudio: boolean,
): Promise<MediaStream> {
  if (!devices?.getDisplayMedia) throw new RtcError(ErrorCode.NOT_SUPPORTED, 'screen sharing is not supported');
  try {
    return await devices.getDisplayMedia({
      video: { width: { ideal: profile.width }, height: { ideal: profile.height }, frameRate: { ideal: profile.frameRate } },
      audio: withAudio,
    });
  } catch (error) {
    throw captureError(error, 'screen');
  }
}
