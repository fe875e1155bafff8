/**
 * The video codec a publisher sends: VP8, in every browser, always. This is
 * the one codec policy of ngx-trtc; E2EE and egress rely on it rather than
 * setting their own.
 *
 * ion-sfu forwards RTP without transcoding, so every subscriber must decode
 * what a publisher sends. VP8 is the codec every WebRTC browser must
 * implement (RFC 7742); H.264 is not: Firefox on Linux decodes it only with
 * Cisco's OpenH264 plugin, which it downloads at run time (never, on a closed
 * network). Left alone, a Chromium publisher ends up sending H.264: ion-sfu
 * v1.11.0 (pion/webrtc v3.1.7) compares the mime type case-sensitively for
 * every codec but H.264 (`video/VP8` in the offer vs `video/vp8` registered),
 * so only the H.264 entries match exactly and its answer keeps H.264 alone.
 * A Firefox subscriber then rejects the video section and ion-sfu's
 * SetRemoteDescription fails with "codec is not supported by remote" (the
 * root cause is written down in docs/browsers.md). The same H.264 choice
 * broke the others that need VP8: E2EE keeps VP8's payload header clear
 * (media/e2ee/frame-crypto.ts) and the egress's @roamhq/wrtc has no H.264
 * decoder.
 *
 * Offering VP8 only (with its rtx/red/ulpfec companions, which protect
 * whatever is sent) leaves ion-sfu nothing but VP8 to answer with. Where a
 * browser cannot set codec preferences, room-server applies the same policy
 * to the offer it relays (room-server rooms/sdp-codecs.ts).
 */

/** The mime type of the one video codec a publisher offers. */
export const PUBLISH_VIDEO_CODEC = 'video/vp8';

/** The capability lookups used; `RTCRtpSender`/`RTCRtpReceiver` in a browser (a seam for tests). */
export interface CodecCapabilitySource {
  getCapabilities(kind: string): RTCRtpCapabilities | null;
}

/**
 * Sender capabilities first, receiver capabilities second: the spec has
 * changed which list setCodecPreferences validates against, and browsers
 * followed at different times.
 */
function defaultSources(): CodecCapabilitySource[] {
  const sources: Array<CodecCapabilitySource | undefined> = [
    typeof RTCRtpSender !== 'undefined' ? RTCRtpSender : undefined,
    typeof RTCRtpReceiver !== 'undefined' ? RTCRtpReceiver : undefined,
  ];
  return sources.filter((s): s is CodecCapabilitySource => typeof s?.getCapabilities === 'function');
}

/** Formats kept along with VP8: retransmission, redundancy and FEC of what is sent. */
const COMPANIONS = new Set(['video/rtx', 'video/red', 'video/ulpfec', 'video/flexfec-03']);

/**
 * The VP8 entries of a capability list (a browser may list VP8 more than
 * once), first, then its companions in the browser's order; empty when the
 * list has no VP8.
 */
export function publishVideoCodecs(capabilities: RTCRtpCapabilities | null | undefined): RTCRtpCodec[] {
  const codecs = capabilities?.codecs ?? [];
  const vp8 = codecs.filter((codec) => codec.mimeType.toLowerCase() === PUBLISH_VIDEO_CODEC);
  if (vp8.length === 0) return [];
  return [...vp8, ...codecs.filter((codec) => COMPANIONS.has(codec.mimeType.toLowerCase()))];
}

/** What {@link preferPublishVideoCodec} did, so the caller can log why it could not. */
export type CodecPreferenceResult = 'applied' | 'unsupported' | 'no-vp8' | 'refused';

/**
 * Restricts a video sender's transceiver to VP8 (+ companions) before the offer is made.
 * Where the browser cannot (no `setCodecPreferences`, or it refuses), the
 * offer keeps the browser's own list: the call still works between browsers
 * that decode what ion-sfu picks (room-server filters the offer to VP8 as
 * well), and the caller logs the result.
 */
export function preferPublishVideoCodec(
  transceiver: Pick<RTCRtpTransceiver, 'setCodecPreferences'>,
  sources: readonly CodecCapabilitySource[] = defaultSources(),
): CodecPreferenceResult {
  if (typeof transceiver.setCodecPreferences !== 'function' || sources.length === 0) return 'unsupported';
  let result: CodecPreferenceResult = 'no-vp8';
  for (const source of sources) {
    const codecs = publishVideoCodecs(source.getCapabilities('video'));
    if (codecs.length === 0) continue;
    try {
      transceiver.setCodecPreferences(codecs);
      return 'applied';
    } catch {
      // InvalidModificationError: this list is not the one the browser validates
      // against; try the next. If none works the browser's own offer still negotiates.
      result = 'refused';
    }
  }
  return result;
}
