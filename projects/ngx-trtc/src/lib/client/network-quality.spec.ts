import { candidatePairRtt, downlinkCounters, lossBetween, qualityLevel } from './network-quality';

describe('network quality', () => {
  it('maps RTT and loss onto TRTC’s 0–6 scale', () => {
    expect(qualityLevel({ rtt: Number.NaN, loss: Number.NaN }, true)).toBe(0);
    expect(qualityLevel({ rtt: 20, loss: 0 }, true)).toBe(1);
    expect(qualityLevel({ rtt: 150, loss: 0.01 }, true)).toBe(2);
    expect(qualityLevel({ rtt: 50, loss: 0.05 }, true)).toBe(2);
    expect(qualityLevel({ rtt: 300, loss: 0 }, true)).toBe(3);
    expect(qualityLevel({ rtt: 50, loss: 0.2 }, true)).toBe(4);
    expect(qualityLevel({ rtt: 1000, loss: 0 }, true)).toBe(5);
    expect(qualityLevel({ rtt: 20, loss: 0 }, false)).toBe(6);
  });

  it('computes loss between cumulative samples', () => {
    expect(lossBetween(undefined, { packets: 90, lost: 10 })).toBeCloseTo(0.1);
    expect(lossBetween({ packets: 90, lost: 10 }, { packets: 190, lost: 10 })).toBe(0);
    expect(lossBetween({ packets: 90, lost: 10 }, { packets: 90, lost: 10 })).toBeNaN();
  });

  it('reads the selected pair’s RTT and inbound counters from a stats report', () => {
    const report = new Map<string, Record<string, unknown>>([
      ['a', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.042 }],
      ['b', { type: 'candidate-pair', nominated: false, state: 'failed', currentRoundTripTime: 9 }],
      ['c', { type: 'inbound-rtp', packetsReceived: 10, packetsLost: 1 }],
      ['d', { type: 'inbound-rtp', packetsReceived: 5, packetsLost: 0 }],
    ]) as unknown as RTCStatsReport;
    expect(candidatePairRtt(report)).toBeCloseTo(42);
    expect(downlinkCounters(report)).toEqual({ packets: 15, lost: 1 });
    expect(candidatePairRtt(null)).toBeNaN();
  });
});
