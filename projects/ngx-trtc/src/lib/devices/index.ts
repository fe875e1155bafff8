export {
  checkSystemRequirements,
  getCameras,
  getDevices,
  getMicrophones,
  getSpeakers,
  isInsertableStreamsSupported,
  isScreenShareSupported,
  isSmallStreamSupported,
} from './devices';
export type { SystemRequirementsResult } from './devices';
export { watchDevices } from './device-watcher';
export type { DeviceChange } from './device-watcher';
export { MEDIA_DEVICES, defaultMediaDevices, setDefaultMediaDevices } from './media-devices';
export type { MediaDevicesLike } from './media-devices';
