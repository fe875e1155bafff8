import { AudioMixer, type PcmChunk } from './audio-mixer.js';

function chunk(value: number | ((i: number) => number), sampleRate = 48000, channelCount = 1, ms = 10): PcmChunk {
  const frames = (sampleRate * ms) / 1000;
  const samples = new Int16Array(frames * channelCount);
  for (let i = 0; i < samples.length; i++) samples[i] = typeof value === 'number' ? value : value(i);
  return { samples, sampleRate, channelCount, numberOfFrames: frames };
}

describe('AudioMixer', () => {
  it('gives silence until an input has its prebuffer, then that input', () => {
    const mixer = new AudioMixer(48000, 1, 20, { prebufferMs: 40 });
    mixer.setInputs(['a']);
    mixer.push('a', chunk(1000));
    mixer.push('a', chunk(1000));
    mixer.push('a', chunk(1000));
    expect(mixer.pull().every((s) => s === 0)).toBeTrue();
    mixer.push('a', chunk(1000));
    const out = mixer.pull();
    expect(out.length).toBe(960);
    expect(out.every((s) => s === 1000)).toBeTrue();
  });

  it('sums inputs and clips instead of wrapping', () => {
    const mixer = new AudioMixer(48000, 1, 20, { prebufferMs: 20 });
    mixer.setInputs(['a', 'b']);
    for (let i = 0; i < 2; i++) {
      mixer.push('a', chunk(20000));
      mixer.push('b', chunk(20000));
    }
    expect(mixer.pull().every((s) => s === 32767)).toBeTrue();
  });

  it('ignores inputs not in the layout and drops the queue of one taken out', () => {
    const mixer = new AudioMixer(48000, 1, 20, { prebufferMs: 20 });
    mixer.setInputs(['a']);
    for (let i = 0; i < 2; i++) {
      mixer.push('a', chunk(100));
      mixer.push('x', chunk(5000));
    }
    expect(mixer.pull()[0]).toBe(100);
    for (let i = 0; i < 2; i++) mixer.push('a', chunk(100));
    mixer.setInputs([]);
    expect(mixer.pull().every((s) => s === 0)).toBeTrue();
  });

  it('converts 16 kHz mono (what libwebrtc sinks may deliver) to 48 kHz: three times the frames, same level', () => {
    const mixer = new AudioMixer(48000, 1, 20, { prebufferMs: 20 });
    mixer.setInputs(['a']);
    for (let i = 0; i < 4; i++) mixer.push('a', chunk(3000, 16000));
    const out = mixer.pull();
    expect(out.length).toBe(960);
    expect(out.slice(1).every((s) => s === 3000)).toBeTrue();
  });

  it('keeps a sine a sine across chunk boundaries when resampling 16 → 48 kHz', () => {
    const mixer = new AudioMixer(48000, 1, 20, { prebufferMs: 20 });
    mixer.setInputs(['a']);
    let n = 0;
    const tone = (i: number) => Math.round(8000 * Math.sin((2 * Math.PI * 400 * (n + i)) / 16000));
    for (let k = 0; k < 8; k++) {
      mixer.push('a', chunk(tone, 16000));
      n += 160;
    }
    const out = [...mixer.pull(), ...mixer.pull()];
    // Compare with the ideal 48 kHz sine (interpolation error of a 400 Hz tone sampled at 16 kHz is small).
    const worst = Math.max(...out.map((s, i) => Math.abs(s - 8000 * Math.sin((2 * Math.PI * 400 * i) / 48000))));
    expect(worst).toBeLessThan(200);
  });

  it('downmixes stereo to mono and upmixes mono to stereo', () => {
    const mono = new AudioMixer(48000, 1, 20, { prebufferMs: 20 });
    mono.setInputs(['s']);
    for (let i = 0; i < 2; i++) mono.push('s', chunk((k) => (k % 2 === 0 ? 1000 : 3000), 48000, 2));
    expect(mono.pull().every((s) => s === 2000)).toBeTrue();
    const stereo = new AudioMixer(48000, 2, 20, { prebufferMs: 20 });
    stereo.setInputs(['m']);
    for (let i = 0; i < 2; i++) stereo.push('m', chunk(700));
    const out = stereo.pull();
    expect(out.length).toBe(1920);
    expect(out.every((s) => s === 700)).toBeTrue();
  });

  it('bounds latency: a queue over maxQueueMs loses its oldest audio', () => {
    const mixer = new AudioMixer(48000, 1, 20, { prebufferMs: 20, maxQueueMs: 40 });
    mixer.setInputs(['a']);
    for (let i = 0; i < 10; i++) mixer.push('a', chunk(i * 10));
    // 100 ms pushed, 40 ms kept: the newest four chunks (60, 70, 80, 90).
    expect(mixer.pull()[0]).toBe(60);
    expect(mixer.pull()[959]).toBe(90);
  });
});
