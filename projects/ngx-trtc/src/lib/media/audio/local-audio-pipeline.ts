import { ErrorCode, RtcError } from '../../errors/rtc-error';
import { AudioEngine, AudioLevelReading, listenToMeter, SILENT_READING } from './audio-engine';
import { loadDenoiserModule } from './denoiser';

/** Longest the worklet may take to confirm a noise-suppression switch. */
const NS_SWITCH_TIMEOUT_MS = 5000;

/**
 * Microphone → AudioWorklet (gain + WASM meter) → MediaStreamAudioDestinationNode.
 * `outputTrack` is what gets published; its identity survives device switches
 * (`setInput`), so switching microphones needs no `replaceTrack`.
 */
export class LocalAudioPipeline {
  readonly outputTrack: MediaStreamTrack;
  private _reading: AudioLevelReading = { ...SILENT_READING };
  private _source: MediaStreamAudioSourceNode | null = null;
  private readonly _node: AudioWorkletNode;
  private readonly _destination: MediaStreamAudioDestinationNode;
  private readonly _stopListening: () => void;
  private _disposed = false;

  private constructor(private readonly _engine: AudioEngine, input: MediaStreamTrack, channelCount: number, gain: number) {
    const ctx = _engine.context;
    this._node = _engine.createMeterNode(channelCount, gain);
    this._destination = ctx.createMediaStreamDestination();
    this._destination.channelCount = channelCount;
    this._node.connect(this._destination);
    this._stopListening = listenToMeter(this._node, (r) => (this._reading = r));
    this.outputTrack = this._destination.stream.getAudioTracks()[0];
    this.setInput(input);
  }

  /** Builds the pipeline once the engine's worklet is loaded. */
  static async create(engine: AudioEngine, input: MediaStreamTrack, channelCount: number, gain = 1): Promise<LocalAudioPipeline> {
    await engine.ready();
    return new LocalAudioPipeline(engine, input, channelCount, gain);
  }

  /** Whether the output carries audio now (false while the AudioContext waits for a user gesture). */
  get isLive(): boolean {
    return this._engine.isRunning;
  }

  /** The latest meter figures (silence while muted or before the first report). */
  get reading(): AudioLevelReading {
    return this._reading;
  }

  /** Feeds another microphone track in; the output track stays the same. */
  setInput(track: MediaStreamTrack): void {
    this._source?.disconnect();
    this._source = this._engine.context.createMediaStreamSource(new MediaStream([track]));
    this._source.connect(this._node);
  }

  /** Capture gain, 1 = unchanged (trtc-js-sdk's setAudioCaptureVolume(100)). */
  setGain(gain: number): void {
    this._node.port.postMessage({ type: 'gain', value: gain });
  }

  /**
   * Switches RNNoise in the worklet on or off, live: the output track (and so
   * the sender) stays the same, nothing is renegotiated. Resolves when the
   * worklet confirms; rejects with NOT_SUPPORTED when RNNoise cannot run.
   */
  async setNoiseSuppression(enabled: boolean): Promise<void> {
    const module = enabled ? await loadDenoiserModule() : undefined;
    if (this._disposed) return;
    const port = this._node.port;
    const answer = new Promise<{ enabled: boolean; error?: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        port.removeEventListener('message', onMessage);
        reject(new RtcError(ErrorCode.API_CALL_TIMEOUT, `setAudioProcessing: the audio worklet did not answer within ${NS_SWITCH_TIMEOUT_MS} ms`));
      }, NS_SWITCH_TIMEOUT_MS);
      const onMessage = (event: MessageEvent) => {
        if (event.data?.type !== 'ns') return;
        clearTimeout(timer);
        port.removeEventListener('message', onMessage);
        resolve(event.data);
      };
      port.addEventListener('message', onMessage);
    });
    port.postMessage({ type: 'ns', enabled, module });
    const result = await answer;
    if (enabled && !result.enabled) {
      throw new RtcError(ErrorCode.NOT_SUPPORTED, `setAudioProcessing: noise suppression cannot run: ${result.error ?? 'unknown reason'}`);
    }
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._stopListening();
    this._node.port.postMessage({ type: 'dispose' });
    this._source?.disconnect();
    this._node.disconnect();
    this.outputTrack.stop();
    this._reading = { ...SILENT_READING };
  }
}

/**
 * A meter on a track whose audio is not re-published (remote streams): track →
 * worklet → silent sink. Chromium delivers a remote WebRTC track to Web Audio
 * only while some media element plays it, so a muted `<audio>` holds it.
 */
export class TrackAudioMeter {
  private _reading: AudioLevelReading = { ...SILENT_READING };
  private _source: MediaStreamAudioSourceNode | null = null;
  private _holder: HTMLAudioElement | null = null;
  private _node: AudioWorkletNode | null = null;
  private _stopListening: (() => void) | null = null;
  private _disposed = false;
  private _track: MediaStreamTrack | null = null;

  constructor(private readonly _engine: AudioEngine) {}

  get reading(): AudioLevelReading {
    return this._reading;
  }

  /** Meters another track (or none). */
  async setTrack(track: MediaStreamTrack | null, holdWithElement: boolean): Promise<void> {
    if (this._track === track) return;
    this._track = track;
    await this._engine.ready();
    if (this._disposed || this._track !== track) return;
    if (!this._node) {
      // Remote levels feed UI and audio-volume events: ~23 reports a second are plenty and halve main-thread work.
      this._node = this._engine.createMeterNode(1, 1, 16);
      this._node.connect(this._engine.sink);
      this._stopListening = listenToMeter(this._node, (r) => (this._reading = r));
    }
    this._source?.disconnect();
    this._source = null;
    this._releaseHolder();
    this._reading = { ...SILENT_READING };
    if (!track) return;
    const stream = new MediaStream([track]);
    if (holdWithElement && typeof Audio === 'function') {
      this._holder = new Audio();
      this._holder.muted = true;
      this._holder.srcObject = stream;
      // Muted playback is always allowed; a failure only costs the meter.
      this._holder.play().catch(() => undefined);
    }
    this._source = this._engine.context.createMediaStreamSource(stream);
    this._source.connect(this._node);
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._stopListening?.();
    this._node?.port.postMessage({ type: 'dispose' });
    this._source?.disconnect();
    this._node?.disconnect();
    this._releaseHolder();
    this._reading = { ...SILENT_READING };
  }

  private _releaseHolder(): void {
    if (!this._holder) return;
    this._holder.pause();
    this._holder.srcObject = null;
    this._holder = null;
  }
}
