import type { NetworkQualityLevel } from './client-types';

/** RTT and loss of one direction. */
export interface LinkSample {
  /** ms, or NaN when unknown. */
  rtt: number;
  /** 0–1, or NaN when unknown. */
  loss: number;
}

/**
 * TRTC's 0–6 scale from RTT and loss: 0 unknown, 1 excellent, 2 good,
 * 3 poor, 4 bad, 5 very bad, 6 disconnected.
 */
export function qualityLevel(sample: LinkSample, connected: boolean): NetworkQualityLevel {
  if (!connected) return 6;
  const { rtt, loss } = sample;
  if (Number.isNaN(rtt) && Number.isNaN(loss)) return 0;
  const r = Number.isNaN(rtt) ? 0 : rtt;
  const l = Number.isNaN(loss) ? 0 : loss;
  if (l > 0.3 || r > 800) return 5;
  if (l > 0.15 || r > 400) return 4;
  if (l > 0.08 || r > 200) return 3;
  if (l > 0.02 || r > 100) return 2;
  return 1;
}

/** Cumulative packet counters of one direction, to turn into a loss rate. */
export interface PacketCounters {
  packets: number;
  lost: number;
}

/** Loss rate between two samples of cumulative counters (NaN if nothing flowed). */
export function lossBetween(previous: PacketCounters | undefined, current: PacketCounters): number {
  const packets = current.packets - (previous?.packets ?? 0);
  const lost = current.lost - (previous?.lost ?? 0);
  const total = packets + lost;
  if (total <= 0) return Number.NaN;
  return Math.min(1, Math.max(0, lost / total));
}

/** RTT (ms) of the selected candidate pair of a report, NaN if none. */
export function candidatePairRtt(report: RTCStatsReport | null): number {
  if (!report) return Number.NaN;
  let rtt = Number.NaN;
  report.forEach((stat: Record<string, unknown>) => {
    if (stat['type'] !== 'candidate-pair') return;
    const nominated = stat['nominated'] === true || stat['selected'] === true;
    const value = stat['currentRoundTripTime'];
    if (nominated && stat['state'] === 'succeeded' && typeof value === 'number') rtt = value * 1000;
  });
  return rtt;
}

/** Uplink counters: packets sent and packets the far end reported lost (remote-inbound-rtp). */
export function uplinkCounters(report: RTCStatsReport | null): PacketCounters {
  const counters = { packets: 0, lost: 0 };
  report?.forEach((stat: Record<string, unknown>) => {
    if (stat['type'] === 'outbound-rtp') counters.packets += num(stat['packetsSent']);
    if (stat['type'] === 'remote-inbound-rtp') counters.lost += num(stat['packetsLost']);
  });
  return counters;
}

/** Downlink counters: packets received and lost (inbound-rtp). */
export function downlinkCounters(report: RTCStatsReport | null): PacketCounters {
  const counters = { packets: 0, lost: 0 };
  report?.forEach((stat: Record<string, unknown>) => {
    if (stat['type'] !== 'inbound-rtp') return;
    counters.packets += num(stat['packetsReceived']);
    counters.lost += num(stat['packetsLost']);
  });
  return counters;
}

/** A number from a stats field, 0 when absent. */
export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
