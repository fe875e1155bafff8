import { FakeMediaDevices } from '../../../testing/src/fake-media-devices';
import { createTrackGenerator, createTrackProcessor } from '../media/video/insertable-streams';
import { createStream } from './create-stream';
import { createRemoteStream } from './remote-stream';

/**
 * A local stream published over a real RTCPeerConnection pair in the page (no
 * SFU): the receiver gets the processed video and meters the sender's audio.
 */
describe('LocalStream → RTCPeerConnection → RemoteStream (loopback)', () => {
  const W = 320;
  const H = 240;

  async function connect(stream: MediaStream): Promise<{ received: MediaStream; close(): void }> {
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
    const received = new Promise<MediaStream>((resolve) => {
      const tracks: MediaStreamTrack[] = [];
      b.ontrack = (e) => {
        tracks.push(e.track);
        if (tracks.length === stream.getTracks().length) resolve(e.streams[0] ?? new MediaStream(tracks));
      };
    });
    for (const t of stream.getTracks()) a.addTrack(t, stream);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    return { received: await received, close: () => (a.close(), b.close()) };
  }

  it('the remote side receives the mirrored video and sees the audio level move', async () => {
    // Camera stand-in: a luma ramp, dark on the left, bright on the right.
    const generator = createTrackGenerator();
    const writer = generator.writable.getWriter();
    const data = new Uint8Array(W * H * 1.5).fill(128);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = x < W / 2 ? 40 : 210;
    let running = true;
    void (async () => {
      for (let i = 0; running; i++) {
        const frame = new VideoFrame(data, { format: 'I420', codedWidth: W, codedHeight: H, timestamp: i * 33_333 });
        await writer.write(frame).catch(() => frame.close());
        await new Promise((r) => setTimeout(r, 33));
      }
    })();
    const mic = (await new FakeMediaDevices().getUserMedia({ audio: true })).getAudioTracks()[0];
    const local = createStream({ audioSource: mic, videoSource: generator, effects: { mirror: true } });
    await local.initialize();
    const link = await connect(local.getMediaStream()!);
    const remote = createRemoteStream(
      { streamId: local.getId(), userId: 'me', type: 'main', hasAudio: true, hasVideo: true, audioMuted: false, videoMuted: false, simulcast: false },
      link.received,
      { setLayer: () => undefined },
    );
    try {
      expect(link.received.id).toBe(local.getId()); // msid survives, as ion-sfu relies on
      // Video: read decoded frames until one has the picture; left and right must be swapped.
      const reader = createTrackProcessor(remote.getVideoTrack()!).readable.getReader();
      let left = 0;
      let right = 0;
      for (let i = 0; i < 90; i++) {
        const frame = (await reader.read()).value!;
        const w = frame.visibleRect!.width;
        const h = frame.visibleRect!.height;
        const buf = new Uint8Array(frame.allocationSize());
        const layout = await frame.copyTo(buf);
        frame.close();
        const row = layout[0].offset + Math.floor(h / 2) * layout[0].stride;
        left = buf[row + Math.floor(w / 8)];
        right = buf[row + Math.floor((7 * w) / 8)];
        if (Math.abs(left - right) > 100) break;
      }
      await reader.cancel();
      expect(left).toBeGreaterThan(right + 100);

      // Audio: the fake microphone beeps every 500 ms.
      let max = 0;
      const end = Date.now() + 2500;
      while (Date.now() < end) {
        max = Math.max(max, remote.getAudioLevel());
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(max).toBeGreaterThan(0.2);
    } finally {
      running = false;
      remote.dispose();
      link.close();
      local.close();
      generator.stop();
      mic.stop();
    }
  }, 30000);
});
