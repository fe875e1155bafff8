import { ErrorCode, RtcError } from '../../errors/rtc-error';
import { createStream } from '../../stream/create-stream';
import { LocalStream } from '../../stream/local-stream';
import { getAudioEngine } from './audio-engine';
import { DENOISER_FRAME, DENOISER_PRIME_SAMPLES, loadDenoiserModule } from './denoiser';

/** A microphone stand-in: steady white noise at about −20 dBFS RMS. */
function noiseTrack(): { track: MediaStreamTrack; close(): void } {
  const ctx = new AudioContext({ sampleRate: 48000 });
  const buffer = ctx.createBuffer(1, ctx.sampleRate * 2, ctx.sampleRate);
  const data = buffer.getChannelData(0);
  for (let i = 0; i < data.length; i++) data[i] = (Math.random() * 2 - 1) * 0.17;
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.loop = true;
  const destination = ctx.createMediaStreamDestination();
  source.connect(destination);
  source.start();
  return { track: destination.stream.getAudioTracks()[0], close: () => void ctx.close() };
}

/** Mean dBFS the pipeline's meter reports over `ms`. */
async function meanDbfs(stream: LocalStream, ms: number): Promise<number> {
  const values: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    values.push(stream.getAudioDbfs());
  }
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('noise suppression (RNNoise in the capture worklet)', () => {
  let mic: ReturnType<typeof noiseTrack>;
  let stream: LocalStream;

  beforeEach(async () => {
    mic = noiseTrack();
    stream = createStream({ audioSource: mic.track });
    await stream.initialize();
  });

  afterEach(() => {
    stream.close();
    mic.close();
  });

  it('buffers 128-sample quanta into RNNoise frames with the least priming that never runs dry', () => {
    let worst = 0;
    for (let k = 1; k <= DENOISER_FRAME; k++) worst = Math.max(worst, (128 * k) % DENOISER_FRAME);
    expect(DENOISER_PRIME_SAMPLES).toBe(worst);
    expect(getAudioEngine()!.context.sampleRate).toBe(48000);
  });

  it('compiles the RNNoise module on the main thread', async () => {
    const module = await loadDenoiserModule();
    expect(WebAssembly.Module.exports(module).length).toBeGreaterThan(3);
  });

  it('suppresses steady noise by more than 15 dB when switched on, live, and lets it through again when off', async () => {
    const published = stream.getAudioTrack();
    await new Promise((r) => setTimeout(r, 300));
    const off = await meanDbfs(stream, 800);
    expect(off).toBeGreaterThan(-30);
    await stream.setAudioProcessing({ noiseSuppression: true });
    expect(stream.getAudioProcessing()).toEqual({ noiseSuppression: true });
    await new Promise((r) => setTimeout(r, 500));
    const on = await meanDbfs(stream, 800);
    expect(on).toBeLessThan(off - 15);
    // The same output track all along: a sender needs no replaceTrack, nothing renegotiates.
    expect(stream.getAudioTrack()).toBe(published);
    await stream.setAudioProcessing({ noiseSuppression: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(await meanDbfs(stream, 600)).toBeGreaterThan(off - 3);
  });

  it('refuses bad options with INVALID_PARAMETER and a closed stream with INVALID_OPERATION', async () => {
    const codeOf = (p: Promise<unknown>) => p.then(() => 0, (e: RtcError) => e.code);
    expect(await codeOf(stream.setAudioProcessing({ noiseSuppression: 'yes' as never }))).toBe(ErrorCode.INVALID_PARAMETER);
    expect(await codeOf(stream.setAudioProcessing(null as never))).toBe(ErrorCode.INVALID_PARAMETER);
    stream.close();
    expect(await codeOf(stream.setAudioProcessing({ noiseSuppression: true }))).toBe(ErrorCode.INVALID_OPERATION);
  });

  it('a choice made before initialize() applies once the microphone runs', async () => {
    const other = noiseTrack();
    const early = createStream({ audioSource: other.track });
    try {
      await early.setAudioProcessing({ noiseSuppression: true });
      await early.initialize();
      await new Promise((r) => setTimeout(r, 600));
      expect(await meanDbfs(early, 600)).toBeLessThan(-40);
    } finally {
      early.close();
      other.close();
    }
  });
});
