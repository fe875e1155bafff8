import { restrictVideoCodecs } from './sdp-codecs.js';

/** A Chromium-like offer: audio, then video with VP8, VP9, H.264 (two profiles), their rtx, red + its rtx, ulpfec. */
const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 125 124 127',
  'a=mid:1',
  'a=msid:stream-a track-v',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 VP9/90000',
  'a=fmtp:98 profile-id=0',
  'a=rtpmap:99 rtx/90000',
  'a=fmtp:99 apt=98',
  'a=rtpmap:102 H264/90000',
  'a=rtcp-fb:102 nack',
  'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
  'a=rtpmap:103 rtx/90000',
  'a=fmtp:103 apt=102',
  'a=rtpmap:125 red/90000',
  'a=rtpmap:124 rtx/90000',
  'a=fmtp:124 apt=125',
  'a=rtpmap:127 ulpfec/90000',
  'a=ssrc-group:FID 1 2',
  '',
].join('\r\n');

describe('restrictVideoCodecs (publisher offers for egress)', () => {
  it('keeps VP8 with its rtx, red (+ rtx) and ulpfec; drops VP9 and H.264 and their lines; leaves audio alone', () => {
    const out = restrictVideoCodecs(OFFER, ['VP8']);
    const lines = out.split('\r\n');
    expect(lines).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96 97 125 124 127');
    expect(lines).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111 63');
    expect(out).not.toMatch(/H264|VP9|apt=102|apt=98|a=rtcp-fb:102/);
    expect(lines).toContain('a=rtcp-fb:96 nack');
    expect(lines).toContain('a=fmtp:97 apt=96');
    expect(lines).toContain('a=fmtp:124 apt=125');
    // Everything that is not a format line stays, in order, with the offer's line ends.
    expect(lines).toContain('a=msid:stream-a track-v');
    expect(lines).toContain('a=ssrc-group:FID 1 2');
    expect(out.endsWith('\r\n')).toBeTrue();
  });

  it('keeps several codecs in the offerer\'s order, names case-insensitive', () => {
    expect(restrictVideoCodecs(OFFER, ['vp9', 'VP8'])).toContain('m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 125 124 127');
  });

  it('leaves a video section without any of the codecs as it was (H.264-only publisher)', () => {
    const h264Only = OFFER.replace('SAVPF 96 97 98 99 102 103 125 124 127', 'SAVPF 102 103').replace(/a=rtpmap:(96|98) (VP8|VP9)\/90000/g, 'a=rtpmap:$1 X$2/90000');
    expect(restrictVideoCodecs(h264Only, ['VP8'])).toBe(h264Only);
  });

  it('changes nothing in an offer without video (an audience data-channel offer)', () => {
    const dc = 'v=0\r\ns=-\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n';
    expect(restrictVideoCodecs(dc, ['VP8'])).toBe(dc);
  });
});
