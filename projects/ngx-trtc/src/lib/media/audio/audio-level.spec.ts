import { FakeMediaDevices } from '../../../../testing/src/fake-media-devices';
import { createStream } from '../../stream/create-stream';
import { LocalStream } from '../../stream/local-stream';
import { RemoteStream } from '../../stream/remote-stream';
import { getAudioEngine } from './audio-engine';

/** Samples `read()` every 10 ms for `ms` and returns the values. */
function sample(read: () => number, ms: number): Promise<number[]> {
  return new Promise((resolve) => {
    const values: number[] = [];
    const timer = setInterval(() => values.push(read()), 10);
    setTimeout(() => {
      clearInterval(timer);
      resolve(values);
    }, ms);
  });
}

describe('audio levels (AudioWorklet + media core)', () => {
  let stream: LocalStream;

  beforeEach(async () => {
    stream = createStream({ audio: true }, { mediaDevices: new FakeMediaDevices() });
    await stream.initialize();
  });

  afterEach(() => stream.close());

  it('runs the worklet on the WASM core', async () => {
    const engine = getAudioEngine()!;
    await engine.ready();
    const node = engine.createMeterNode(1);
    const ready = await new Promise<{ wasm: boolean }>((resolve) => {
      node.port.onmessage = (e) => {
        if (e.data.type === 'ready') resolve(e.data);
      };
    });
    node.port.postMessage({ type: 'dispose' });
    expect(ready.wasm).toBeTrue();
  });

  it('rises in the fake microphone beep and falls to ~0 between beeps', async () => {
    const levels = await sample(() => stream.getAudioLevel(), 1600);
    expect(Math.max(...levels)).toBeGreaterThan(0.3);
    expect(Math.min(...levels.slice(10))).toBeLessThan(0.05);
  });

  it('reports speaking during the beep', async () => {
    const speaking = await sample(() => (stream.isSpeaking() ? 1 : 0), 1600);
    expect(speaking).toContain(1);
  });

  it('setAudioCaptureVolume(0) silences what is published', async () => {
    stream.setAudioCaptureVolume(0);
    await sample(() => 0, 300);
    const levels = await sample(() => stream.getAudioLevel(), 1200);
    expect(Math.max(...levels)).toBeLessThan(0.05);
    stream.setAudioCaptureVolume(100);
    const back = await sample(() => stream.getAudioLevel(), 1200);
    expect(Math.max(...back)).toBeGreaterThan(0.3);
  });

  it('meters a remote stream from its received track', async () => {
    const remote = new RemoteStream(
      { streamId: 'r1', userId: 'bob', type: 'main', hasAudio: true, hasVideo: false, audioMuted: false, videoMuted: false, simulcast: false },
      new MediaStream([stream.getAudioTrack()!]),
    );
    try {
      const levels = await sample(() => remote.getAudioLevel(), 1600);
      expect(Math.max(...levels)).toBeGreaterThan(0.3);
      expect(Math.min(...levels.slice(20))).toBeLessThan(0.05);
      remote.updateInfo({ ...remote.getInfo(), audioMuted: true });
      expect(remote.getAudioLevel()).toBe(0);
    } finally {
      remote.dispose();
    }
  });
});
