/**
 * The upstream interface to ion-sfu for one peer. The WebSocket
 * implementation is {@link WsSfuLink}; tests use a fake that implements
 * this same interface.
 */
import type { RpcError } from '../rpc/errors.js';

/** A session description exchanged with ion-sfu. */
export interface SfuSessionDescription {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
}

/** An ICE candidate exchanged with ion-sfu. */
export interface SfuCandidate {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
  readonly usernameFragment?: string | null;
}

/** ion-sfu's join params, built by the server (never taken from a client as is). */
export interface SfuJoinRequest {
  readonly sid: string;
  readonly uid: string;
  readonly offer: SfuSessionDescription;
  readonly config: { readonly NoPublish: boolean; readonly NoSubscribe: boolean; readonly NoAutoSubscribe: boolean };
}

/** Events an upstream link reports. */
export interface SfuLinkEvents {
  /** ion-sfu renegotiates the subscriber connection. */
  offer: (desc: SfuSessionDescription) => void;
  /** ion-sfu's ICE candidate for the publisher (0) or subscriber (1) connection. */
  trickle: (target: 0 | 1, candidate: SfuCandidate) => void;
  /** The link failed or ion-sfu closed it; it is unusable afterwards. Not emitted after close(). */
  failed: (error: RpcError) => void;
}

/** Kinds of upstream failure, for metrics. */
export type UpstreamErrorKind = 'connect' | 'timeout' | 'closed' | 'rejected' | 'protocol';

/** One peer's link to ion-sfu. */
export interface SfuLink {
  /** Joins the ion-sfu session with the publisher offer; resolves with ion-sfu's answer. */
  join(request: SfuJoinRequest): Promise<SfuSessionDescription>;
  /** Renegotiates the publisher connection; resolves with ion-sfu's answer. */
  offer(desc: SfuSessionDescription): Promise<SfuSessionDescription>;
  /** Answers an SFU-initiated offer (subscriber connection). */
  answer(desc: SfuSessionDescription): void;
  /** Sends an ICE candidate. */
  trickle(target: 0 | 1, candidate: SfuCandidate): void;
  /** Closes the link (ion-sfu then drops the peer); pending requests reject. Idempotent. */
  close(): void;
  /** Adds a listener; returns its removal. */
  on<K extends keyof SfuLinkEvents>(type: K, listener: SfuLinkEvents[K]): () => void;
}

/** Creates a link for one peer of the room with this ion-sfu session id (the id picks the ion-sfu node). */
export type SfuLinkFactory = (sessionId: string) => SfuLink;
