// Entry point of the media core: exports the kernels and the addresses of the
// static buffers (see layout.ts for the memory map the JS wrapper relies on).
export {
  AUDIO_IN as AUDIO_IN_PTR,
  AUDIO_OUT as AUDIO_OUT_PTR,
  AUDIO_RESULT as AUDIO_RESULT_PTR,
  METER_STATE as METER_STATE_PTR,
  LUT as LUT_PTR,
  BEAUTY_LINE as BEAUTY_LINE_PTR,
  SCALE_ROW as SCALE_ROW_PTR,
  SCALE_GROUPS as SCALE_GROUPS_PTR,
  FRAME_IN as FRAME_IN_PTR,
  FRAME_OUT as FRAME_OUT_PTR,
  FRAME_TMP as FRAME_TMP_PTR,
  WM_RGBA as WM_RGBA_PTR,
  WM_PREP as WM_PREP_PTR,
} from './layout';
export { meterInit, processQuantum } from './audio';
export { copyPlane, mirrorPlane, affinePlane, adjustRgba } from './video-adjust';
export { beautyPlane } from './video-beauty';
export { prepareWatermark, blendPlane } from './video-watermark';
export { scalePlane } from './video-scale';

/** 1 when this binary was built with SIMD, 0 for the scalar build. */
export function isSimdBuild(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
