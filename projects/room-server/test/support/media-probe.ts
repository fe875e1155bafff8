/**
 * What a viewer of a recording or an RTMP stream would notice, read with
 * Debian's ffprobe/ffmpeg: duration, streams, the colour at a pixel of a
 * frame, how loud the sound is.
 */
import { execFile, spawnSync } from 'node:child_process';

/** A file's or stream's container and streams, as ffprobe reads them. */
export interface MediaProbe {
  readonly duration: number;
  readonly video: { readonly codec: string; readonly width: number; readonly height: number } | null;
  readonly audio: { readonly codec: string; readonly sampleRate: number; readonly channels: number } | null;
}

/** Whether ffmpeg and ffprobe are on PATH. */
export function hasFfmpeg(): boolean {
  return ['ffmpeg', 'ffprobe'].every((bin) => spawnSync(bin, ['-version'], { stdio: 'ignore' }).status === 0);
}

function run(command: string, args: string[], timeoutMs: number, encoding: 'utf8' | 'buffer' = 'utf8'): Promise<{ stdout: string | Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: encoding === 'buffer' ? 'buffer' : 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} failed: ${err.message}\n${String(stderr).slice(-1000)}`));
      else resolve({ stdout, stderr: String(stderr) });
    });
  });
}

/**
 * ffprobe of a file or URL. `wrap` runs it elsewhere (e.g. `ip netns exec <ns>`
 * for an RTMP server inside the e2e namespace).
 */
export async function probe(target: string, options: { timeoutMs?: number; wrap?: (cmd: string, args: string[]) => { command: string; args: string[] } } = {}): Promise<MediaProbe> {
  const args = ['-v', 'error', '-rw_timeout', '10000000', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height,sample_rate,channels', '-of', 'json', target];
  const cmd = options.wrap ? options.wrap('ffprobe', args) : { command: 'ffprobe', args };
  const { stdout } = await run(cmd.command, cmd.args, options.timeoutMs ?? 20_000);
  const json = JSON.parse(String(stdout)) as { format?: { duration?: string }; streams?: Array<Record<string, string | number>> };
  const v = json.streams?.find((s) => s['codec_type'] === 'video');
  const a = json.streams?.find((s) => s['codec_type'] === 'audio');
  return {
    duration: Number(json.format?.duration ?? NaN),
    video: v ? { codec: String(v['codec_name']), width: Number(v['width']), height: Number(v['height']) } : null,
    audio: a ? { codec: String(a['codec_name']), sampleRate: Number(a['sample_rate']), channels: Number(a['channels']) } : null,
  };
}

/** One decoded frame (I420) of a file at `seconds`, with a pixel reader. */
export interface DecodedFrame {
  readonly width: number;
  readonly height: number;
  /** Y, U, V at a pixel. */
  yuv(x: number, y: number): [number, number, number];
}

/** The frame shown at `seconds` into a file of `width`×`height` pixels. */
export async function frameAt(path: string, seconds: number, width: number, height: number): Promise<DecodedFrame> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', String(seconds), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], 20_000, 'buffer');
  const data = stdout as Buffer;
  if (data.length < (width * height * 3) / 2) throw new Error(`no frame at ${seconds} s of ${path} (${data.length} bytes)`);
  const cw = width >> 1;
  const u0 = width * height;
  const v0 = u0 + cw * (height >> 1);
  return {
    width,
    height,
    yuv: (x, y) => [data[y * width + x]!, data[u0 + (y >> 1) * cw + (x >> 1)]!, data[v0 + (y >> 1) * cw + (x >> 1)]!],
  };
}

/** Whether two YUV colours are within `tolerance` on every component (encoding shifts a colour a little). */
export function isColour(actual: readonly number[], expected: readonly number[], tolerance = 14): boolean {
  return actual.every((c, i) => Math.abs(c - expected[i]!) <= tolerance);
}

/** Mean loudness (dBFS, ffmpeg's volumedetect) of a file's audio between `from` and `from + seconds`. */
export async function meanVolumeDb(path: string, from: number, seconds: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-nostats', '-ss', String(from), '-t', String(seconds), '-i', path, '-vn', '-af', 'volumedetect', '-f', 'null', '-'], 20_000);
  const m = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr);
  return m ? (m[1] === '-inf' ? -Infinity : Number(m[1])) : NaN;
}
