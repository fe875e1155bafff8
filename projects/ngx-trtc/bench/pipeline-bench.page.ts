/**
 * Browser side of `npm run bench:pipeline`: bundled by pipeline-bench.ts with
 * esbuild and driven through `window.ngxTrtcBench`.
 */
import { getAudioEngine } from '../src/lib/media/audio/audio-engine';
import { LocalAudioPipeline, TrackAudioMeter } from '../src/lib/media/audio/local-audio-pipeline';
import { createVideoPipeline, VideoPipeline, VideoPipelineStats } from '../src/lib/media/video/video-pipeline';
import { VideoEffects } from '../src/lib/media/video/video-effects';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let camera: MediaStreamTrack | null = null;
let pipeline: VideoPipeline | null = null;
let sink: HTMLVideoElement | null = null;
let mic: MediaStreamTrack | null = null;
let meters: TrackAudioMeter[] = [];
let captures: LocalAudioPipeline[] = [];
let captureSinks: HTMLAudioElement[] = [];

function allEffects(): VideoEffects {
  const mark = new ImageData(160, 48);
  for (let i = 0; i < mark.data.length; i += 4) {
    mark.data[i] = 255;
    mark.data[i + 1] = 255;
    mark.data[i + 2] = 255;
    mark.data[i + 3] = (i / 4) % 160 < 80 ? 200 : 0;
  }
  return {
    mirror: true,
    beauty: { strength: 0.6, brightness: 0.1, contrast: 0.1, saturation: 0.2 },
    watermark: { image: mark, x: 24, y: 24, opacity: 0.8 },
    scale: { width: 1280, height: 720 },
  };
}

/** Shows a track in a playing <video>, as an app's preview would (the same consumer for every mode). */
async function show(track: MediaStreamTrack): Promise<void> {
  sink ??= document.body.appendChild(document.createElement('video'));
  sink.muted = true;
  sink.srcObject = new MediaStream([track]);
  await sink.play();
}

async function countFrames(ms: number): Promise<number> {
  let frames = 0;
  const video = sink!;
  let active = true;
  const loop = () => {
    if (!active) return;
    frames++;
    video.requestVideoFrameCallback(loop);
  };
  video.requestVideoFrameCallback(loop);
  await sleep(ms);
  active = false;
  return frames;
}

const bench = {
  /** Opens the fake camera at 720p30. */
  async openCamera(): Promise<{ width: number; height: number; frameRate: number }> {
    const s = await navigator.mediaDevices.getUserMedia({
      video: { width: { exact: 1280 }, height: { exact: 720 }, frameRate: { ideal: 30 } },
    });
    camera = s.getVideoTracks()[0];
    const { width = 0, height = 0, frameRate = 0 } = camera.getSettings();
    return { width, height, frameRate };
  },

  /** Starts a mode: raw track, breakout box (WASM or JS kernels) or canvas fallback, all effects on. */
  async start(mode: 'raw' | 'breakout-wasm' | 'breakout-js' | 'canvas-wasm' | 'canvas-js'): Promise<void> {
    pipeline?.dispose();
    pipeline = null;
    if (mode === 'raw') {
      await show(camera!);
    } else {
      pipeline = await createVideoPipeline(camera!, allEffects(), {
        forceCanvas: mode.startsWith('canvas'),
        wasm: mode.endsWith('wasm'),
        frameRate: 30,
      });
      await show(pipeline.outputTrack);
    }
    await sleep(1500); // warm-up
    pipeline?.resetStats();
  },

  /** Frames the consumer saw over `ms`, and the pipeline's own per-frame figures. */
  async measure(ms: number): Promise<{ framesShown: number; stats: VideoPipelineStats | null }> {
    const framesShown = await countFrames(ms);
    return { framesShown, stats: pipeline ? await pipeline.stats() : null };
  },

  async stopVideo(): Promise<void> {
    pipeline?.dispose();
    pipeline = null;
    if (sink) sink.srcObject = null;
  },

  /** Starts `count` meters on the fake microphone (as 20 remote streams would be metered). */
  async startMeters(count: number): Promise<boolean> {
    const engine = getAudioEngine()!;
    await engine.ready();
    if (!mic) mic = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0];
    for (const m of meters) m.dispose();
    meters = [];
    for (let i = 0; i < count; i++) {
      const meter = new TrackAudioMeter(engine);
      await meter.setTrack(mic, false);
      meters.push(meter);
    }
    await sleep(500);
    return engine.isRunning;
  },

  /** Highest level any meter saw over `ms` (proves the meters run). */
  async sampleMeters(ms: number): Promise<number> {
    let max = 0;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      for (const m of meters) max = Math.max(max, m.reading.level);
      await sleep(20);
    }
    return max;
  },

  /**
   * Starts `count` capture pipelines (what a published microphone runs: gain,
   * meter and, with `noiseSuppression`, RNNoise) on the fake microphone, each
   * output played by a muted <audio> as a sender would consume it. Resolves with
   * the mean meter level over `ms` once running (proof of what ran: RNNoise
   * takes most of the fake microphone's beep away).
   */
  async startCaptures(count: number, noiseSuppression: boolean, ms: number): Promise<number> {
    const engine = getAudioEngine()!;
    await engine.ready();
    if (!mic) mic = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0];
    for (const c of captures) c.dispose();
    for (const a of captureSinks) a.srcObject = null;
    captures = [];
    captureSinks = [];
    for (let i = 0; i < count; i++) {
      const capture = await LocalAudioPipeline.create(engine, mic, 1);
      if (noiseSuppression) await capture.setNoiseSuppression(true);
      const sink = new Audio();
      sink.muted = true;
      sink.srcObject = new MediaStream([capture.outputTrack]);
      await sink.play();
      captures.push(capture);
      captureSinks.push(sink);
    }
    await sleep(500);
    let sum = 0;
    let n = 0;
    const end = Date.now() + ms;
    while (count > 0 && Date.now() < end) {
      for (const c of captures) {
        sum += c.reading.level;
        n++;
      }
      await sleep(50);
    }
    return n ? sum / n : 0;
  },

  /** The AudioContext's sample rate (quanta per second = rate / 128). */
  sampleRate(): number {
    return getAudioEngine()!.context.sampleRate;
  },
};

(window as unknown as { ngxTrtcBench: typeof bench }).ngxTrtcBench = bench;
document.title = 'ready';
