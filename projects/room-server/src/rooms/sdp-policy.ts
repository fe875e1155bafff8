/**
 * Publishing policy, enforced on the SDP a client sends: who may send media,
 * which streams, with which privileges.
 */
import { hasPrivilege, Privilege } from '../auth/private-map-key.js';
import { RpcError } from '../rpc/errors.js';
import type { Role, StreamDescriptor } from './types.js';

/** Media kind of an m-section. */
export type MediaKind = 'audio' | 'video' | 'application' | 'other';
/** SDP direction attribute. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The facts of one m-section that the policy needs. */
export interface MediaSection {
  readonly kind: MediaKind;
  readonly port: number;
  readonly direction: Direction;
  /** Stream ids from `a=msid:<stream> <track>` and `a=ssrc:<n> msid:<stream> …`. */
  readonly streamIds: readonly string[];
}

const MAX_SDP_LINES = 4000;

/**
 * Splits an SDP into its m-sections. Throws INVALID_PARAMS for text that is not an SDP.
 *
 * Directions are read the way the most permissive reader would, because
 * ion-sfu (pion) decides what it receives, not this parser: pion reads only
 * media-level direction attributes (the first one, default `sendrecv`), so
 * a section without one is `sendrecv` whatever the session level says, and a
 * section with several is sending if any of them sends.
 */
export function parseMediaSections(sdp: string): MediaSection[] {
  const lines = sdp.split(/\r?\n/);
  if (lines.length > MAX_SDP_LINES || lines[0]?.trim() !== 'v=0') throw new RpcError('INVALID_PARAMS', 'sdp is not a session description');
  const sections: Array<{ kind: MediaKind; port: number; directions: Direction[]; streamIds: Set<string> }> = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [media, port] = line.slice(2).split(/\s+/);
      const kind: MediaKind = media === 'audio' || media === 'video' || media === 'application' ? media : 'other';
      const portNumber = Number(port);
      sections.push({ kind, port: Number.isInteger(portNumber) ? portNumber : -1, directions: [], streamIds: new Set() });
      continue;
    }
    const current = sections[sections.length - 1];
    if (!current) continue; // session-level lines: none of them can stop a section from sending (see above)
    if (line === 'a=sendrecv' || line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive') {
      current.directions.push(line.slice(2) as Direction);
    } else if (line.startsWith('a=msid:')) {
      current.streamIds.add(line.slice('a=msid:'.length).split(' ')[0] ?? '');
    } else if (line.startsWith('a=ssrc:')) {
      const match = /^a=ssrc:\d+ msid:(\S*)/.exec(line);
      if (match) current.streamIds.add(match[1] ?? '');
    }
  }
  return sections.map((s) => ({
    kind: s.kind,
    port: s.port,
    direction: s.directions.find((d) => d === 'sendrecv' || d === 'sendonly') ?? s.directions[0] ?? 'sendrecv',
    streamIds: [...s.streamIds],
  }));
}

/** Whether an m-section would carry media from the client to the SFU. */
export function isSendingMedia(section: MediaSection): boolean {
  if (section.kind === 'application') return false;
  // The port is not trusted: ion-sfu (pion) answers a port-0 section that sends as recvonly and
  // receives on it through BUNDLE (found by e2e/specs/security). A rejected or stopped
  // transceiver that really sends nothing says so with a=inactive/recvonly.
  return section.direction === 'sendrecv' || section.direction === 'sendonly';
}

/** Who is offering, and what they announced. */
export interface PublisherContext {
  readonly role: Role;
  readonly privileges: number;
  /** The sender's own announced streams, by stream id. */
  readonly streams: ReadonlyMap<string, StreamDescriptor>;
}

/**
 * Checks a publisher-side offer (`join`'s offer, `offer` requests).
 * Throws ROLE_FORBIDDEN (audience sending media), STREAM_NOT_ANNOUNCED
 * (media of a stream not announced with `stream.publish`, or of a kind it
 * did not announce) or PRIVILEGE_DENIED (beyond the privateMapKey).
 */
export function checkPublisherOffer(sdp: string, ctx: PublisherContext): void {
  for (const section of parseMediaSections(sdp)) {
    if (section.kind === 'other' && section.direction !== 'recvonly' && section.direction !== 'inactive') {
      throw new RpcError('INVALID_PARAMS', 'unsupported media section');
    }
    if (!isSendingMedia(section)) continue;
    if (ctx.role !== 'anchor') throw new RpcError('ROLE_FORBIDDEN', 'an audience peer may not send media');
    const kind = section.kind as 'audio' | 'video';
    const streamIds = section.streamIds.filter((id) => id !== '-' && id !== '');
    if (streamIds.length === 0) throw new RpcError('STREAM_NOT_ANNOUNCED', `${kind} is sent without a stream (msid)`);
    for (const streamId of streamIds) {
      const stream = ctx.streams.get(streamId);
      if (!stream) throw new RpcError('STREAM_NOT_ANNOUNCED', `stream ${streamId} was not announced with stream.publish`);
      if (kind === 'audio' ? !stream.hasAudio : !stream.hasVideo) {
        throw new RpcError('STREAM_NOT_ANNOUNCED', `stream ${streamId} was announced without ${kind}`);
      }
      const required = requiredPrivilege(stream.type, kind);
      if (!hasPrivilege(ctx.privileges, required)) throw new RpcError('PRIVILEGE_DENIED', `privateMapKey does not allow sending ${stream.type} ${kind}`);
    }
  }
}

/**
 * Checks an answer to an SFU offer (subscriber side): it may not send media
 * at all, whatever the role — the subscriber connection only receives.
 */
export function checkSubscriberAnswer(sdp: string): void {
  for (const section of parseMediaSections(sdp)) {
    // Port 0 in an answer rejects the section (RFC 3264), as browsers do for tracks
    // ion-sfu removed; ion-sfu's subscriber transceivers are sendonly anyway.
    if (section.port === 0) continue;
    if (isSendingMedia(section)) throw new RpcError('ROLE_FORBIDDEN', 'the subscriber connection may not send media');
  }
}

/** The privilege that sending `kind` on a stream of `type` needs. */
export function requiredPrivilege(type: StreamDescriptor['type'], kind: 'audio' | 'video'): number {
  if (type === 'auxiliary') return Privilege.SEND_SUB_STREAM;
  return kind === 'audio' ? Privilege.SEND_AUDIO : Privilege.SEND_VIDEO;
}

/** Checks that a descriptor is within the publisher's role and privileges (at `stream.publish`/`stream.update`). */
export function checkStreamDescriptor(stream: Pick<StreamDescriptor, 'type' | 'hasAudio' | 'hasVideo'>, role: Role, privileges: number): void {
  if (role !== 'anchor') throw new RpcError('ROLE_FORBIDDEN', 'an audience peer may not publish');
  if (stream.hasAudio && !hasPrivilege(privileges, requiredPrivilege(stream.type, 'audio'))) {
    throw new RpcError('PRIVILEGE_DENIED', `privateMapKey does not allow sending ${stream.type} audio`);
  }
  if (stream.hasVideo && !hasPrivilege(privileges, requiredPrivilege(stream.type, 'video'))) {
    throw new RpcError('PRIVILEGE_DENIED', `privateMapKey does not allow sending ${stream.type} video`);
  }
}
