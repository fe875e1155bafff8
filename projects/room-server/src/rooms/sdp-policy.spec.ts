import { ALL_PRIVILEGES, Privilege } from '../auth/private-map-key.js';
import { RpcError } from '../rpc/errors.js';
import { AUDIO_VIDEO_OFFER, AUDIO_VIDEO_STREAM_ID, DATACHANNEL_OFFER, audioOnly, withDirection, withoutMsid, withStreamId } from '../../test/support/sdp.js';
import { checkPublisherOffer, checkSubscriberAnswer, parseMediaSections } from './sdp-policy.js';
import type { StreamDescriptor } from './types.js';

const mainStream: StreamDescriptor = {
  streamId: AUDIO_VIDEO_STREAM_ID,
  type: 'main',
  hasAudio: true,
  hasVideo: true,
  audioMuted: false,
  videoMuted: false,
  simulcast: false,
};
const announced = new Map([[mainStream.streamId, mainStream]]);

function refusal(sdp: string, ctx: Partial<Parameters<typeof checkPublisherOffer>[1]> = {}): string {
  try {
    checkPublisherOffer(sdp, { role: 'anchor', privileges: ALL_PRIVILEGES, streams: announced, ...ctx });
    return 'none';
  } catch (err) {
    return err instanceof RpcError ? err.reason : 'other';
  }
}

describe('SDP policy', () => {
  it('parses a real offer into audio, video and data channel sections', () => {
    const sections = parseMediaSections(AUDIO_VIDEO_OFFER);
    expect(sections.map((s) => [s.kind, s.direction])).toEqual([
      ['audio', 'sendrecv'],
      ['video', 'sendrecv'],
      ['application', 'sendrecv'],
    ]);
    expect(sections[0]!.streamIds).toEqual([AUDIO_VIDEO_STREAM_ID]);
  });

  it('lets an anchor send announced streams', () => expect(refusal(AUDIO_VIDEO_OFFER)).toBe('none'));

  it('lets anyone send a data-channel-only offer (ion-sdk-js always has one)', () => {
    expect(refusal(DATACHANNEL_OFFER, { role: 'audience', streams: new Map() })).toBe('none');
  });

  it('lets an audience peer offer recvonly or inactive media', () => {
    expect(refusal(withDirection(AUDIO_VIDEO_OFFER, 'recvonly'), { role: 'audience' })).toBe('none');
    expect(refusal(withDirection(AUDIO_VIDEO_OFFER, 'inactive'), { role: 'audience' })).toBe('none');
  });

  it('refuses an audience peer sending media (sendrecv or sendonly): ROLE_FORBIDDEN', () => {
    expect(refusal(AUDIO_VIDEO_OFFER, { role: 'audience' })).toBe('ROLE_FORBIDDEN');
    expect(refusal(withDirection(AUDIO_VIDEO_OFFER, 'sendonly'), { role: 'audience' })).toBe('ROLE_FORBIDDEN');
    expect(refusal(withoutMsid(AUDIO_VIDEO_OFFER), { role: 'audience' })).toBe('ROLE_FORBIDDEN');
  });

  it('treats a section without a direction line as sendrecv (the SDP default)', () => {
    const noDirection = AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, '');
    expect(refusal(noDirection, { role: 'audience' })).toBe('ROLE_FORBIDDEN');
  });

  it('reads directions as ion-sfu (pion) does: any sending direction in a section, or none at media level, is sending', () => {
    // found by e2e/specs/security: pion takes the first direction line and ignores the session level
    expect(refusal(AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, 'a=sendrecv\r\na=recvonly\r\n'), { role: 'audience' })).toBe('ROLE_FORBIDDEN');
    expect(refusal(AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, 'a=recvonly\r\na=sendrecv\r\n'), { role: 'audience' })).toBe('ROLE_FORBIDDEN');
    const sessionRecvonly = AUDIO_VIDEO_OFFER.replace(/a=sendrecv\r\n/g, '').replace('a=extmap-allow-mixed\r\n', 'a=extmap-allow-mixed\r\na=recvonly\r\n');
    expect(refusal(sessionRecvonly, { role: 'audience' })).toBe('ROLE_FORBIDDEN');
  });

  it('counts a bundle-only section with port 0 as sending (RFC 8843)', () => {
    const bundleOnly = AUDIO_VIDEO_OFFER.replace(/m=(audio|video) 9 /g, 'm=$1 0 ').replace(/a=sendrecv\r\n/g, 'a=sendrecv\r\na=bundle-only\r\n');
    expect(refusal(bundleOnly, { role: 'audience' })).toBe('ROLE_FORBIDDEN');
  });

  it('does not trust port 0: a section that says it sends is sending (pion receives on it through BUNDLE)', () => {
    const portZero = AUDIO_VIDEO_OFFER.replace(/m=(audio|video) 9 /g, 'm=$1 0 ');
    expect(refusal(portZero, { role: 'audience' })).toBe('ROLE_FORBIDDEN');
    expect(refusal(withDirection(portZero, 'inactive'), { role: 'audience' })).toBe('none');
    expect(refusal(withDirection(portZero, 'recvonly'), { role: 'audience' })).toBe('none');
  });

  it('refuses media of an unannounced stream, or of none: STREAM_NOT_ANNOUNCED', () => {
    expect(refusal(withStreamId(AUDIO_VIDEO_OFFER, 'someone-elses-stream'))).toBe('STREAM_NOT_ANNOUNCED');
    expect(refusal(withoutMsid(AUDIO_VIDEO_OFFER))).toBe('STREAM_NOT_ANNOUNCED');
    expect(refusal(AUDIO_VIDEO_OFFER, { streams: new Map() })).toBe('STREAM_NOT_ANNOUNCED');
  });

  it('refuses a kind the stream was announced without', () => {
    const audioOnlyStream = new Map([[mainStream.streamId, { ...mainStream, hasVideo: false }]]);
    expect(refusal(AUDIO_VIDEO_OFFER, { streams: audioOnlyStream })).toBe('STREAM_NOT_ANNOUNCED');
    expect(refusal(audioOnly(AUDIO_VIDEO_OFFER), { streams: audioOnlyStream })).toBe('none');
  });

  it('enforces privateMapKey send privileges: PRIVILEGE_DENIED', () => {
    const audioOnlyKey = Privilege.ENTER_ROOM | Privilege.SEND_AUDIO;
    expect(refusal(AUDIO_VIDEO_OFFER, { privileges: audioOnlyKey })).toBe('PRIVILEGE_DENIED');
    expect(refusal(audioOnly(AUDIO_VIDEO_OFFER), { privileges: audioOnlyKey })).toBe('none');
    const aux = new Map([[mainStream.streamId, { ...mainStream, type: 'auxiliary' as const }]]);
    expect(refusal(AUDIO_VIDEO_OFFER, { streams: aux, privileges: Privilege.SEND_AUDIO | Privilege.SEND_VIDEO })).toBe('PRIVILEGE_DENIED');
    expect(refusal(AUDIO_VIDEO_OFFER, { streams: aux, privileges: Privilege.SEND_SUB_STREAM })).toBe('none');
  });

  it('refuses text that is not an SDP', () => {
    expect(refusal('hello')).toBe('INVALID_PARAMS');
    expect(refusal('v=0\r\n' + 'a=x\r\n'.repeat(5000))).toBe('INVALID_PARAMS');
  });

  it('refuses a subscriber answer that sends media, from anyone', () => {
    expect(() => checkSubscriberAnswer(withDirection(AUDIO_VIDEO_OFFER, 'recvonly'))).not.toThrow();
    expect(() => checkSubscriberAnswer(AUDIO_VIDEO_OFFER)).toThrowMatching((e) => e instanceof RpcError && e.reason === 'ROLE_FORBIDDEN');
  });
});
