export { AudioMeterComponent } from './audio-meter.component';
export type { MeteredStream } from './audio-meter.component';
export { VideoViewComponent } from './video-view.component';
export { FrameTicker } from './frame-ticker';
