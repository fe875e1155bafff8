/**
 * Command lines of the egress's ffmpeg processes: one encoder (raw I420 on
 * stdin, s16 PCM on fd 3 → H.264 + AAC in MPEG-TS on stdout) and one
 * stream-copy remuxer per output (TS on stdin → fragmented MP4 file, or FLV
 * over RTMP). Encoding once and remuxing per output lets outputs come and go
 * during an egress and keeps a failing RTMP server from touching the file.
 */
import type { EncodingSpec } from '../types.js';

/** The encoder's arguments. Settings keep one egress to about one core or less (see docs/egress.md). */
export function encoderArgs(e: EncodingSpec): string[] {
  const gop = Math.max(1, Math.round(e.frameRate * e.gopSeconds));
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    // Raw frames and samples carry no timestamps: they are numbered at the configured rates,
    // and the worker writes them on its own clock, so the file's duration is the egress's.
    // No probing (the formats are given): probing raw input holds the first output back ~1 s.
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${e.width}x${e.height}`, '-framerate', String(e.frameRate),
    '-probesize', '32', '-analyzeduration', '0', '-thread_queue_size', '64', '-i', 'pipe:0',
    '-f', 's16le', '-ar', String(e.audioSampleRate), '-ac', String(e.audioChannels),
    '-probesize', '32', '-analyzeduration', '0', '-thread_queue_size', '256', '-i', 'pipe:3',
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-threads', '1',
    '-b:v', `${e.videoBitrateKbps}k`, '-maxrate', `${e.videoBitrateKbps}k`, '-bufsize', `${e.videoBitrateKbps * 2}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', `${e.audioBitrateKbps}k`, '-ar', String(e.audioSampleRate), '-ac', String(e.audioChannels),
    // PAT/PMT are repeated by the TS muxer and SPS/PPS by x264 at every keyframe, so a remuxer
    // that starts mid-stream finds its way in at the next keyframe.
    '-f', 'mpegts', '-muxdelay', '0', '-muxpreload', '0', 'pipe:1',
  ];
}

/**
 * A remuxer to a fragmented MP4: a fragment every keyframe and at least
 * every second, so the file so far stays playable if anything dies.
 */
export function fileRemuxArgs(path: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000',
    '-y', path,
  ];
}

/** A remuxer to an RTMP URL (FLV). */
export function rtmpRemuxArgs(url: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc',
    '-f', 'flv', '-flvflags', 'no_duration_filesize', url,
  ];
}
