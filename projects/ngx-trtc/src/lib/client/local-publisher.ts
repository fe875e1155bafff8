import { ErrorCode, RtcError } from '../errors/rtc-error';
import { createLog } from '../util/log';
import type {
  PublishableStream,
  PublisherLink,
  StreamMediaState,
  StreamStateChange,
  StreamType,
} from '../stream/stream-contracts';
import type { EncodingLimits, Publication } from '../transport/sfu-transport';
import { toOperationError } from './client-errors';
import type { SmallStreamProfile } from './client-types';
import type { RoomSession } from './room-session';

const log = createLog('client');

/** A stream this client publishes. */
interface LocalEntry {
  readonly stream: PublishableStream;
  /** The MediaStream whose id is the msid on the wire, kept across re-publishing. */
  readonly msid: MediaStream;
  readonly type: StreamType;
  state: StreamMediaState;
  simulcast: boolean;
  publication: Publication | null;
  link: PublisherLink;
}

/**
 * The local streams this client publishes: announces each to room-server
 * (`stream.publish`, then `stream.update` as its state changes), sends its
 * tracks on the current session's transport (simulcast after
 * enableSmallStream, capped by the stream's profiles), and publishes them
 * again on a new transport after a reconnect, under the same msid.
 */
export class LocalPublisher {
  private readonly _local = new Map<string, LocalEntry>();
  private _smallStreamEnabled = false;
  private _smallStreamProfile: SmallStreamProfile = { width: 160, height: 120, bitrate: 100, frameRate: 15 };

  /** @param _currentSession the session in use now (null while there is none). */
  constructor(private readonly _currentSession: () => RoomSession | null) {}

  /** Local streams currently published. */
  streams(): PublishableStream[] {
    return [...this._local.values()].map((e) => e.stream);
  }

  /** Number of published streams. */
  get size(): number {
    return this._local.size;
  }

  /** Ids of the tracks the publications' senders of one kind send. */
  senderTrackIds(kind: 'audio' | 'video'): Set<string> {
    const ids = new Set<string>();
    for (const entry of this._local.values()) {
      for (const sender of entry.publication?.getSenders() ?? []) {
        if (sender.track?.kind === kind) ids.add(sender.track.id);
      }
    }
    return ids;
  }

  /** Publish the main video with a small simulcast layer (or not); INVALID_OPERATION while it is published. */
  setSmallStreamEnabled(enabled: boolean, method: string): void {
    for (const entry of this._local.values()) {
      if (entry.type === 'main' && entry.msid.getVideoTracks().length > 0) {
        throw new RtcError(ErrorCode.INVALID_OPERATION, `${method}: call it before publishing (or after unpublishing) the main stream`);
      }
    }
    this._smallStreamEnabled = enabled;
  }

  /** Size, bitrate (kbps) and frame rate of the small stream. */
  setSmallStreamProfile(profile: SmallStreamProfile): void {
    this._smallStreamProfile = profile;
  }

  /**
   * Announces and sends a stream on `session` as `type`; INVALID_OPERATION if
   * it (or another stream of its type) is published already. On failure
   * nothing stays half-published.
   */
  async publish(session: RoomSession, stream: PublishableStream, mediaStream: MediaStream, type: StreamType): Promise<void> {
    for (const entry of this._local.values()) {
      if (entry.stream === stream) throw new RtcError(ErrorCode.INVALID_OPERATION, 'publish: the stream is already published');
      if (entry.type === type) {
        throw new RtcError(ErrorCode.INVALID_OPERATION, `publish: a ${type} stream is already published; unpublish it first`);
      }
    }
    const entry: LocalEntry = {
      stream,
      msid: mediaStream,
      type,
      state: stream.getMediaState(),
      simulcast: type === 'main' && this._smallStreamEnabled && mediaStream.getVideoTracks().length > 0,
      publication: null,
      link: null as unknown as PublisherLink,
    };
    entry.link = this._createPublisherLink(entry);
    this._local.set(mediaStream.id, entry);
    try {
      await this._publishEntry(session, entry);
    } catch (error) {
      this._local.delete(mediaStream.id);
      entry.publication?.unpublish().catch(() => undefined);
      entry.publication = null;
      throw toOperationError('publish', error);
    }
    stream.attachPublisher(entry.link);
  }

  /** Stops sending a stream and tells room-server; INVALID_OPERATION if it is not published. */
  async unpublish(stream: PublishableStream): Promise<void> {
    const entry = [...this._local.values()].find((e) => e.stream === stream);
    if (!entry) throw new RtcError(ErrorCode.INVALID_OPERATION, 'unpublish: the stream is not published');
    this._local.delete(entry.msid.id);
    stream.attachPublisher(null);
    const publication = entry.publication;
    entry.publication = null;
    const session = this._currentSession();
    if (!session || session.isClosed) return;
    try {
      await publication?.unpublish();
      await session.signal.request('stream.unpublish', { streamId: entry.msid.id });
    } catch (error) {
      throw toOperationError('unpublish', error);
    }
  }

  /**
   * Publishes every stream again on `session`'s new transport, under the same
   * msid. `announce`: tell room-server first (a new room-server connection);
   * otherwise its registry still has them.
   */
  async republish(session: RoomSession, announce: boolean): Promise<void> {
    for (const entry of this._local.values()) {
      entry.state = entry.stream.getMediaState();
      await session.race(this._publishEntry(session, entry, announce));
    }
  }

  /** The transport closed: the publications are gone (the streams stay published). */
  forgetPublications(): void {
    for (const entry of this._local.values()) entry.publication = null;
  }

  /** Forgets the room: every stream is unpublished locally. */
  clear(): void {
    for (const entry of this._local.values()) entry.stream.attachPublisher(null);
    this._local.clear();
  }

  private async _publishEntry(session: RoomSession, entry: LocalEntry, announce = true): Promise<void> {
    const mediaStream = entry.stream.getMediaStream() ?? entry.msid;
    const tracks = mediaStream.getTracks();
    const state = entry.state;
    if (announce) {
      await session.signal.request('stream.publish', {
        streamId: entry.msid.id,
        type: entry.type,
        hasAudio: tracks.some((t) => t.kind === 'audio'),
        hasVideo: tracks.some((t) => t.kind === 'video'),
        audioMuted: state.audioMuted,
        videoMuted: state.videoMuted,
        simulcast: entry.simulcast,
      });
    }
    const transport = session.transport;
    if (!transport || session.isClosed) throw new RtcError(ErrorCode.API_CALL_ABORTED, 'publish: connection closed');
    entry.publication = await transport.publish(entry.msid, tracks, {
      simulcast: entry.simulcast ? this._simulcastEncodings(mediaStream) : undefined,
      limits: encodingLimitsOf(entry.stream),
    });
  }

  private _simulcastEncodings(mediaStream: MediaStream): RTCRtpEncodingParameters[] {
    const video = mediaStream.getVideoTracks()[0];
    const height = video?.getSettings?.().height ?? 0;
    const small = this._smallStreamProfile;
    const scale = height > small.height ? height / small.height : 4;
    return [
      { rid: 'q', scaleResolutionDownBy: scale, maxBitrate: small.bitrate * 1000, maxFramerate: small.frameRate },
      { rid: 'f' },
    ];
  }

  private _createPublisherLink(entry: LocalEntry): PublisherLink {
    return {
      updateState: (change: StreamStateChange) => {
        entry.state = { ...entry.state, ...change };
        const session = this._currentSession();
        if (!session || session.isClosed || !entry.publication || this._local.get(entry.msid.id) !== entry) return;
        session.signal.request('stream.update', { streamId: entry.msid.id, ...change }).catch((err) => {
          // The next re-publish (reconnect) carries the state again.
          log.warn('stream.update failed', err);
        });
      },
      replaceTrack: async (kind, track) => {
        await entry.publication?.replaceTrack(kind, track);
      },
      renegotiate: async () => {
        const session = this._currentSession();
        const publication = entry.publication;
        if (!session || session.isClosed || !publication) return;
        const tracks = (entry.stream.getMediaStream() ?? entry.msid).getTracks();
        const hasAudio = tracks.some((t) => t.kind === 'audio');
        const hasVideo = tracks.some((t) => t.kind === 'video');
        entry.state = { ...entry.state, hasAudio, hasVideo };
        await session.signal.request('stream.update', { streamId: entry.msid.id, hasAudio, hasVideo });
        await publication.setTracks(tracks);
      },
      updateEncodings: async () => {
        await entry.publication?.setEncodingLimits(encodingLimitsOf(entry.stream));
      },
    };
  }
}

/** The sender caps a published stream asks for (its profiles), or none. */
function encodingLimitsOf(stream: PublishableStream): EncodingLimits {
  const hints = stream.getEncodingHints?.();
  if (!hints) return {};
  return {
    videoMaxBitrateKbps: hints.videoBitrateKbps,
    audioMaxBitrateKbps: hints.audioBitrateKbps,
    maxFramerate: hints.frameRate,
  };
}
