/**
 * Noise suppression with a real signal through the real ion-sfu: a voice
 * (espeak-ng) in pink noise (sox) is alice's fake microphone; bob records what
 * he receives; RNNoise is switched on live at alice, and the SNR of bob's
 * audio rises by a measured amount (figures in .test-results/figures/noise-suppression.json).
 *
 * alice captures with the browser's own echo cancellation, noise suppression
 * and gain control off, so what is measured is ngx-trtc's denoiser alone.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

import { recordFigure } from '../harness/figures.js';
import { estimateSnr, FRAME, framePowers, haveAudioTools, makeNoisySpeech, type NoisySpeech } from '../harness/noisy-speech.js';
import { useStackAndBrowser } from '../harness/suite.js';

/** The least SNR gain this spec accepts (dB); the measured figure is recorded and far higher. */
const MIN_IMPROVEMENT_DB = 10;
/** How long each phase is recorded: one loop of the signal and a bit. */
const RECORD_MS = 16000;

const tools = haveAudioTools();
const signal: NoisySpeech | null = tools ? makeNoisySpeech(mkdtempSync(join(tmpdir(), 'ngx-trtc-ns-')), 5) : null;

/** Frame powers (10 ms, 48 kHz) of what `page` receives from its first remote stream over `ms`. */
function recordReceived(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(
    async ({ ms, frame }) => {
      const w = window as any;
      const track: MediaStreamTrack = w.remoteStreams[0].getAudioTrack();
      const ctx = new AudioContext({ sampleRate: 48000 });
      // Chromium feeds a remote WebRTC track to Web Audio only while a media element plays it.
      const holder = new Audio();
      holder.muted = true;
      holder.srcObject = new MediaStream([track]);
      await holder.play();
      // An AudioWorklet sums each 10 ms frame on the audio thread: a main-thread recorder drops buffers under load.
      const code = `registerProcessor('frame-power', class extends AudioWorkletProcessor {
        constructor() { super(); this.acc = 0; this.n = 0; this.out = []; }
        process(inputs) {
          const data = inputs[0] && inputs[0][0];
          if (data) for (let i = 0; i < data.length; i++) {
            this.acc += data[i] * data[i];
            if (++this.n === ${frame}) { this.out.push(this.acc / ${frame}); this.acc = 0; this.n = 0; }
          }
          if (this.out.length >= 50) { this.port.postMessage(this.out); this.out = []; }
          return true;
        }
      });`;
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      await ctx.audioWorklet.addModule(url);
      const source = ctx.createMediaStreamSource(new MediaStream([track]));
      const recorder = new AudioWorkletNode(ctx, 'frame-power');
      const powers: number[] = [];
      recorder.port.onmessage = (event) => powers.push(...(event.data as number[]));
      source.connect(recorder);
      await new Promise((r) => setTimeout(r, ms));
      source.disconnect();
      recorder.disconnect();
      holder.pause();
      await ctx.close();
      return powers;
    },
    { ms, frame: FRAME },
  );
}

describe('noise suppression through ion-sfu (speech in noise as the microphone)', () => {
  const suite = useStackAndBrowser({
    label: 'ns',
    browserArgs: signal ? [`--use-file-for-fake-audio-capture=${signal.mixPath}`] : [],
  });

  beforeEach(() => {
    if (!tools) pending('espeak-ng and sox are needed (scripts/lib.sh ensure_audio_tools installs them as root)');
  });

  it('the received audio\'s SNR improves by a measured amount when RNNoise is switched on live', async () => {
    const clean = signal!.clean;
    // The estimator on the file itself: what the received SNR is compared against. It
    // counts the loudest frames as speech, so it reads a little above the designed figure.
    const input = estimateSnr(framePowers(signal!.mix));
    expect(Math.abs(input.snrDb - signal!.designedSnrDb)).toBeLessThan(4);
    // ...and it sees no noise in the clean voice.
    expect(estimateSnr(framePowers(clean)).snrDb).toBeGreaterThan(40);

    const alice = await suite.newParticipant();
    const bob = await suite.newParticipant();
    await alice.evaluate(async () => {
      const w = window as any;
      const { TRTC, e2e } = w;
      const { sdkAppId, userSig } = await e2e.userSig('alice');
      const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId: 'alice', userSig });
      await client.join({ roomId: 4501 });
      const mic = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      const localStream = TRTC.createStream({ userId: 'alice', audioSource: mic.getAudioTracks()[0] });
      await localStream.initialize();
      await client.publish(localStream);
      Object.assign(w, { client, localStream });
    });
    await bob.evaluate(async () => {
      const w = window as any;
      const { TRTC, e2e } = w;
      const { sdkAppId, userSig } = await e2e.userSig('bob');
      const client = TRTC.createClient({ mode: 'rtc', sdkAppId, userId: 'bob', userSig });
      client.on('stream-added', (event: any) => client.subscribe(event.stream));
      client.on('stream-subscribed', (event: any) => (w.remoteStreams ||= []).push(event.stream));
      await client.join({ roomId: 4501 });
      w.client = client;
    });
    await bob.waitForFunction(() => (window as any).remoteStreams?.length === 1, null, { timeout: 30000 });
    await bob.waitForTimeout(1500);
    const sendersBefore = await alice.evaluate(() => (window as any).e2e.senders());

    const offPowers = await recordReceived(bob, RECORD_MS);
    const off = estimateSnr(offPowers);
    await alice.evaluate(() => (window as any).localStream.setAudioProcessing({ noiseSuppression: true }));
    await bob.waitForTimeout(1500);
    const on = estimateSnr(await recordReceived(bob, RECORD_MS));

    const improvement = on.snrDb - off.snrDb;
    recordFigure('noise-suppression', 'received', {
      inputSnrDb: round1(input.snrDb),
      offSnrDb: round1(off.snrDb),
      onSnrDb: round1(on.snrDb),
      improvementDb: round1(improvement),
      frames: { off, on },
    });
    // Enough frames of each kind, or the estimate means nothing.
    for (const e of [off, on]) {
      expect(e.speechFrames).toBeGreaterThan(200);
      expect(e.noiseFrames).toBeGreaterThan(200);
    }
    // Without RNNoise the noise arrives (Opus keeps it): the SNR stays near the input's.
    expect(Math.abs(off.snrDb - input.snrDb)).toBeLessThan(4);
    expect(improvement).toBeGreaterThan(MIN_IMPROVEMENT_DB);
    // The noise goes, the voice stays: the loudest frames lose little.
    expect(on.speechDb).toBeGreaterThan(off.speechDb - 6);
    // Switched live: the same sender and track, nothing renegotiated.
    expect(await alice.evaluate(() => (window as any).e2e.senders())).toEqual(sendersBefore);

    await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).client.leave())));
    await Promise.all([alice, bob].map((p) => p.context().close()));
  }, 150000);
});

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
