import { FakeMediaDevices } from '../../../testing/src/fake-media-devices';
import { createRemoteStream, RemoteStream } from './remote-stream';
import { RemoteStreamInfo } from './stream-contracts';

describe('RemoteStream', () => {
  let media: MediaStream;
  let info: RemoteStreamInfo;
  let layers: Array<{ video?: string; audio?: boolean }>;
  let host: HTMLDivElement;

  beforeEach(async () => {
    media = await new FakeMediaDevices().getUserMedia({ audio: true, video: true });
    info = { streamId: 's1', userId: 'bob', type: 'auxiliary', hasAudio: true, hasVideo: true, audioMuted: false, videoMuted: false, simulcast: true };
    layers = [];
    host = document.createElement('div');
    document.body.appendChild(host);
  });

  afterEach(() => {
    for (const t of media.getTracks()) t.stop();
    host.remove();
  });

  const make = () => createRemoteStream(info, media, { setLayer: (o) => void layers.push(o) }) as RemoteStream;

  it('exposes identity, type and state from the registry', () => {
    const s = make();
    expect(s.getId()).toBe('s1');
    expect(s.getUserId()).toBe('bob');
    expect(s.getType()).toBe('auxiliary');
    expect(s.hasAudio()).toBeTrue();
    expect(s.hasSmall()).toBeTrue();
    s.updateInfo({ ...info, videoMuted: true, hasAudio: false });
    expect(s.getMediaState()).toEqual({ hasAudio: false, hasVideo: true, audioMuted: false, videoMuted: true });
    s.dispose();
  });

  it('plays unmuted and unmirrored by default, and follows a new MediaStream', async () => {
    const s = make();
    await s.play(host);
    const audio = host.querySelector('audio')!;
    const video = host.querySelector('video')!;
    expect(audio.muted).toBeFalse();
    expect(video.style.transform).toBe('');
    expect(video.style.objectFit).toBe('contain'); // screen share
    const next = await new FakeMediaDevices().getUserMedia({ video: true });
    let changed = false;
    s.on('tracks-changed', () => (changed = true));
    s.setMediaStream(next);
    expect(changed).toBeTrue();
    expect((video.srcObject as MediaStream).getVideoTracks()[0]).toBe(next.getVideoTracks()[0]);
    s.dispose();
    expect(host.querySelector('video')).toBeNull();
    next.getTracks().forEach((t) => t.stop());
  });

  it('muteVideo/muteAudio stop receiving through the subscription control', () => {
    const s = make();
    expect(s.muteVideo()).toBeTrue();
    expect(s.muteAudio()).toBeTrue();
    expect(s.unmuteVideo()).toBeTrue();
    expect(layers).toEqual([{ video: 'none' }, { audio: false }, { video: 'high' }]);
    s.dispose();
  });
});
