import { CoreForWorkers, loadCoreForWorkers } from '../core-bridge';
import { DENOISER_SAMPLE_RATE, denoiserBindingSource } from './denoiser';
import { meterWorkletSource, METER_PROCESSOR_NAME } from './meter-worklet-source';

/** What a meter reports, refreshed every few quanta by the worklet. */
export interface AudioLevelReading {
  /** Smoothed level 0–1 (fast attack, slow release). */
  level: number;
  rms: number;
  peak: number;
  dbfs: number;
  speaking: boolean;
}

/** A silent reading. */
export const SILENT_READING: Readonly<AudioLevelReading> = { level: 0, rms: 0, peak: 0, dbfs: -100, speaking: false };

/**
 * The page's one AudioContext and the meter worklet loaded into it. Created
 * lazily; resumes itself on the first user gesture when the browser started
 * it suspended.
 */
export class AudioEngine {
  readonly context: AudioContext;
  /** A silent sink that keeps output-less meters pulled by the graph. */
  readonly sink: GainNode;
  private _ready: Promise<CoreForWorkers | null> | null = null;
  private _core: CoreForWorkers | null = null;
  private _gestureCleanup: (() => void) | null = null;

  constructor() {
    this.context = createContext();
    this.sink = this.context.createGain();
    this.sink.gain.value = 0;
    this.sink.connect(this.context.destination);
    this._resumeOnGesture();
  }

  /** Whether the context is producing audio (a suspended one produces silence). */
  get isRunning(): boolean {
    return this.context.state === 'running';
  }

  /** Loads the worklet module and compiles the WASM core, once. */
  ready(): Promise<void> {
    this._ready ??= (async () => {
      const core = await loadCoreForWorkers().catch((error: unknown) => {
        // Metering still works with the JS kernels; say why WASM is missing.
        console.warn('[ngx-trtc] WASM media core unavailable for audio; using JS meter', error);
        return null;
      });
      const url = URL.createObjectURL(
        new Blob([meterWorkletSource(core?.audioBinding ?? null, denoiserBindingSource())], { type: 'text/javascript' }),
      );
      try {
        await this.context.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      this._core = core;
      return core;
    })();
    return this._ready.then(() => undefined);
  }

  /** A meter node (call after {@link ready}). `channelCount` 1 or 2; `gain` the initial capture gain. */
  createMeterNode(channelCount: number, gain = 1, reportEvery = 8): AudioWorkletNode {
    return new AudioWorkletNode(this.context, METER_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [channelCount],
      channelCount,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { module: this._core?.module ?? null, gain, reportEvery },
    });
  }

  /** Tries to start the context now (inside a user gesture this succeeds). */
  async resume(): Promise<void> {
    if (this.context.state === 'suspended') await this.context.resume();
  }

  private _resumeOnGesture(): void {
    if (typeof document === 'undefined') return;
    const onGesture = () => {
      void this.context.resume().then(() => {
        if (this.isRunning) {
          this._gestureCleanup?.();
          this._gestureCleanup = null;
        }
      });
    };
    const events = ['pointerdown', 'keydown', 'touchend'] as const;
    for (const e of events) document.addEventListener(e, onGesture, { capture: true, passive: true });
    this._gestureCleanup = () => {
      for (const e of events) document.removeEventListener(e, onGesture, { capture: true });
    };
  }
}

/**
 * 48 kHz where the browser allows it: what WebRTC sends (Opus), and the rate
 * RNNoise needs (headless Chromium would otherwise pick 44.1 kHz).
 */
function createContext(): AudioContext {
  try {
    return new AudioContext({ latencyHint: 'interactive', sampleRate: DENOISER_SAMPLE_RATE });
  } catch {
    // A browser that refuses the rate still meters; noise suppression then says why it cannot run.
    return new AudioContext({ latencyHint: 'interactive' });
  }
}

let engine: AudioEngine | null = null;

/** The page's audio engine, or null where AudioWorklet is missing. */
export function getAudioEngine(): AudioEngine | null {
  if (engine) return engine;
  if (typeof AudioContext !== 'function' || typeof AudioWorkletNode !== 'function') return null;
  engine = new AudioEngine();
  return engine;
}

/**
 * Wires a meter node's reports into a reading object. Returns the
 * listener's removal.
 */
export function listenToMeter(node: AudioWorkletNode, onReading: (reading: AudioLevelReading) => void): () => void {
  const onMessage = (event: MessageEvent) => {
    const m = event.data as { type: string } & AudioLevelReading;
    if (m.type === 'level') onReading({ level: m.level, rms: m.rms, peak: m.peak, dbfs: m.dbfs, speaking: m.speaking });
  };
  node.port.addEventListener('message', onMessage);
  node.port.start();
  return () => node.port.removeEventListener('message', onMessage);
}
