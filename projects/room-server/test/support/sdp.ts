/** SDP fixtures (captured from a real libwebrtc peer connection) and variants of them. */
import { readFileSync } from 'node:fs';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

/** A publisher offer with only the `ion-sfu` data channel (what an audience peer or a not-yet-publishing anchor sends). */
export const DATACHANNEL_OFFER = fixture('offer-datachannel.sdp');
/** A publisher offer sending audio + video of one stream, plus the data channel. */
export const AUDIO_VIDEO_OFFER = fixture('offer-audio-video.sdp');
/** The stream id (msid) of {@link AUDIO_VIDEO_OFFER}. */
export const AUDIO_VIDEO_STREAM_ID = (JSON.parse(fixture('offer-audio-video.json')) as { streamId: string }).streamId;

/** The offer with every media direction replaced. */
export function withDirection(sdp: string, direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): string {
  return sdp.replace(/a=(sendrecv|sendonly|recvonly|inactive)/g, `a=${direction}`);
}

/** The offer with its stream id replaced (msid and ssrc msid lines). */
export function withStreamId(sdp: string, streamId: string): string {
  return sdp.split(AUDIO_VIDEO_STREAM_ID).join(streamId);
}

/** The offer without its video m-section. */
export function audioOnly(sdp: string): string {
  const sections = sdp.split(/\r\n(?=m=)/);
  return sections.filter((s) => !s.startsWith('m=video')).join('\r\n').replace(/a=group:BUNDLE 0 1 2/, 'a=group:BUNDLE 0 2');
}

/** The offer without any msid information (media sent without a stream). */
export function withoutMsid(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=msid:') && !/^a=ssrc:\d+ msid:/.test(l))
    .join('\r\n');
}
