import { preferPublishVideoCodec, publishVideoCodecs, type CodecCapabilitySource } from './codec-preferences';

const vp8: RTCRtpCodec = { mimeType: 'video/VP8', clockRate: 90000 };
const h264: RTCRtpCodec = { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'profile-level-id=42e01f' };
const vp9: RTCRtpCodec = { mimeType: 'video/VP9', clockRate: 90000, sdpFmtpLine: 'profile-id=0' };
const rtx: RTCRtpCodec = { mimeType: 'video/rtx', clockRate: 90000 };
const red: RTCRtpCodec = { mimeType: 'video/red', clockRate: 90000 };
const ulpfec: RTCRtpCodec = { mimeType: 'video/ulpfec', clockRate: 90000 };

function source(codecs: RTCRtpCodec[]): CodecCapabilitySource {
  return { getCapabilities: () => ({ codecs, headerExtensions: [] }) };
}

describe('preferPublishVideoCodec', () => {
  it('keeps the VP8 entries of the capability list first, whatever their case, then rtx/red/ulpfec; no H.264 or VP9', () => {
    const vp8Lower: RTCRtpCodec = { mimeType: 'video/vp8', clockRate: 90000 };
    expect(publishVideoCodecs({ codecs: [h264, red, vp8, vp9, rtx, ulpfec, vp8Lower], headerExtensions: [] })).toEqual([vp8, vp8Lower, red, rtx, ulpfec]);
    expect(publishVideoCodecs(null)).toEqual([]);
    // Companions alone are no codec: nothing to prefer.
    expect(publishVideoCodecs({ codecs: [h264, rtx, red], headerExtensions: [] })).toEqual([]);
  });

  it('restricts the transceiver to VP8 and its retransmissions', () => {
    const transceiver = { setCodecPreferences: jasmine.createSpy('setCodecPreferences') };
    expect(preferPublishVideoCodec(transceiver, [source([h264, vp8, rtx])])).toBe('applied');
    expect(transceiver.setCodecPreferences).toHaveBeenCalledOnceWith([vp8, rtx]);
  });

  it('falls back to the next capability list when the browser refuses the first', () => {
    const fromReceiver: RTCRtpCodec = { ...vp8, sdpFmtpLine: 'max-fs=12288;max-fr=60' };
    const transceiver = {
      setCodecPreferences: jasmine.createSpy('setCodecPreferences').and.callFake((codecs: RTCRtpCodec[]) => {
        if (codecs[0] !== fromReceiver) throw new DOMException('not in the list', 'InvalidModificationError');
      }),
    };
    expect(preferPublishVideoCodec(transceiver, [source([vp8]), source([fromReceiver])])).toBe('applied');
    expect(transceiver.setCodecPreferences).toHaveBeenCalledTimes(2);
  });

  it('says why when it cannot: no API, no VP8, or refused everywhere', () => {
    expect(preferPublishVideoCodec({} as RTCRtpTransceiver, [source([vp8])])).toBe('unsupported');
    expect(preferPublishVideoCodec({ setCodecPreferences: () => undefined }, [])).toBe('unsupported');
    expect(preferPublishVideoCodec({ setCodecPreferences: () => undefined }, [source([h264])])).toBe('no-vp8');
    const refusing = { setCodecPreferences: () => { throw new DOMException('no', 'InvalidModificationError'); } };
    expect(preferPublishVideoCodec(refusing, [source([vp8])])).toBe('refused');
  });

  it('applies in this browser with its real capability lists', () => {
    const pc = new RTCPeerConnection();
    const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
    expect(preferPublishVideoCodec(transceiver)).toBe('applied');
    pc.close();
  });
});
