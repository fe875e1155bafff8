import type {
  PublishableStream,
  PublisherLink,
  RemoteStreamControl,
  RemoteStreamHandle,
  RemoteStreamInfo,
  StreamMediaState,
  StreamType,
} from 'ngx-trtc';

/** A live video track from a canvas and an audio track from an oscillator: no devices needed. */
export function createSyntheticTracks(options: { audio?: boolean; video?: boolean } = {}): MediaStreamTrack[] {
  const tracks: MediaStreamTrack[] = [];
  if (options.audio ?? true) {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const destination = context.createMediaStreamDestination();
    oscillator.connect(destination);
    oscillator.start();
    tracks.push(destination.stream.getAudioTracks()[0]);
  }
  if (options.video ?? true) {
    const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
    canvas.getContext('2d')?.fillRect(0, 0, 320, 240);
    tracks.push(canvas.captureStream(15).getVideoTracks()[0]);
  }
  return tracks;
}

/** A local stream for client tests: `implements PublishableStream`, records what the client asked. */
export class FakeLocalStream implements PublishableStream {
  readonly mediaStream: MediaStream;
  link: PublisherLink | null = null;
  audioLevel = 0;
  state: StreamMediaState;

  constructor(
    private readonly _userId: string,
    options: { audio?: boolean; video?: boolean; type?: StreamType; tracks?: MediaStreamTrack[] } = {},
    private readonly _type: StreamType = options.type ?? 'main',
  ) {
    this.mediaStream = new MediaStream(options.tracks ?? createSyntheticTracks(options));
    this.state = {
      hasAudio: this.mediaStream.getAudioTracks().length > 0,
      hasVideo: this.mediaStream.getVideoTracks().length > 0,
      audioMuted: false,
      videoMuted: false,
    };
  }

  getId(): string {
    return this.mediaStream.id;
  }
  getUserId(): string {
    return this._userId;
  }
  getMediaStream(): MediaStream | null {
    return this.mediaStream;
  }
  getMediaState(): StreamMediaState {
    return { ...this.state };
  }
  getType(): StreamType {
    return this._type;
  }
  getAudioLevel(): number {
    return this.audioLevel;
  }
  attachPublisher(link: PublisherLink | null): void {
    this.link = link;
  }

  /** Mutes audio as a LocalStream would: state, then tell the room. */
  muteAudio(): void {
    this.state = { ...this.state, audioMuted: true };
    this.link?.updateState({ audioMuted: true });
  }

  /** Stops every track. */
  close(): void {
    this.mediaStream.getTracks().forEach((t) => t.stop());
  }
}

/** A remote stream for client tests: `implements RemoteStreamHandle`, records what the client did. */
export class FakeRemoteStream implements RemoteStreamHandle {
  audioLevel = 0;
  disposed = false;
  readonly mediaStreams: (MediaStream | null)[] = [];

  constructor(
    public info: RemoteStreamInfo,
    public mediaStream: MediaStream | null,
    readonly control: RemoteStreamControl,
  ) {
    this.mediaStreams.push(mediaStream);
  }

  getId(): string {
    return this.info.streamId;
  }
  getUserId(): string {
    return this.info.userId;
  }
  getType(): StreamType {
    return this.info.type;
  }
  getAudioLevel(): number {
    return this.audioLevel;
  }
  updateInfo(info: RemoteStreamInfo): void {
    this.info = info;
  }
  setMediaStream(stream: MediaStream | null): void {
    this.mediaStream = stream;
    this.mediaStreams.push(stream);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** A RemoteStreamFactory building {@link FakeRemoteStream}s. */
export function fakeRemoteStreamFactory(info: RemoteStreamInfo, mediaStream: MediaStream, control: RemoteStreamControl): FakeRemoteStream {
  return new FakeRemoteStream(info, mediaStream, control);
}
