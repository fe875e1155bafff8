import type { Clock, TimerHandle } from '../util/clock';
import type { RemoteStreamHandle } from '../stream/stream-contracts';
import type { PeerConnectionRole, SfuTransport } from '../transport/sfu-transport';
import type {
  AudioVolumeSource,
  ClientEventMap,
  LocalAudioStatsMap,
  LocalVideoStatsMap,
  NetworkQuality,
  RemoteAudioStatsMap,
  RemoteStreamType,
  RemoteVideoStatsMap,
  TransportStats,
} from './client-types';
import type { EmitFn } from './event-binder';
import type { LocalPublisher } from './local-publisher';
import {
  PacketCounters,
  candidatePairRtt,
  downlinkCounters,
  lossBetween,
  num,
  qualityLevel,
  uplinkCounters,
} from './network-quality';
import type { RemoteRegistry } from './remote-registry';
import type { RoomPhase } from './room-engine';

/** What the statistics read from the client. */
export interface ClientStatsDeps<R extends RemoteStreamHandle> {
  clock: Clock;
  /** `network-quality` interval, ms. */
  networkQualityIntervalMs: number;
  /** This client's userId: the key of the local stats maps. */
  userId: string;
  emit: EmitFn<ClientEventMap<R, AudioVolumeSource>>;
  phase(): RoomPhase;
  /** Identifies the current connection: a report computed for an older one is dropped. */
  connection(): object | null;
  /** The current connection's transport, if joined to the SFU. */
  transport(): SfuTransport | null;
  publisher: LocalPublisher;
  registry: RemoteRegistry<R>;
}

/**
 * trtc-js-sdk's statistics from the peer connections' getStats: the
 * `get…Stats()` maps, the periodic `network-quality` event (levels from
 * loss and RTT between two reports) and `audio-volume` of every stream.
 */
export class ClientStats<R extends RemoteStreamHandle> {
  private _volumeTimer: TimerHandle | null = null;
  private _qualityTimer: TimerHandle | null = null;
  private _lastUplink: PacketCounters | undefined;
  private _lastDownlink: PacketCounters | undefined;

  constructor(private readonly _deps: ClientStatsDeps<R>) {}

  /** Starts `network-quality` (idempotent). */
  startNetworkQuality(): void {
    if (this._qualityTimer === null) {
      const { clock, networkQualityIntervalMs } = this._deps;
      this._qualityTimer = clock.setInterval(() => void this._emitNetworkQuality(), networkQualityIntervalMs);
    }
  }

  /** Stops `network-quality` and forgets the last counters (the room was left). */
  reset(): void {
    if (this._qualityTimer !== null) this._deps.clock.clearInterval(this._qualityTimer);
    this._qualityTimer = null;
    this._lastUplink = undefined;
    this._lastDownlink = undefined;
  }

  /** `audio-volume` every `intervalMs` (at least 16) while joined; `intervalMs <= 0` stops it. */
  setAudioVolumeInterval(intervalMs: number): void {
    const { clock } = this._deps;
    if (this._volumeTimer !== null) clock.clearInterval(this._volumeTimer);
    this._volumeTimer = null;
    if (intervalMs <= 0) return;
    this._volumeTimer = clock.setInterval(() => this._emitAudioVolume(), Math.max(16, intervalMs));
  }

  /** Uplink RTT and downlink RTT per remote user. */
  async transportStats(): Promise<TransportStats> {
    const transport = this._deps.transport();
    const pub = await transport?.getStats('publisher').catch(() => null);
    const sub = await transport?.getStats('subscriber').catch(() => null);
    const rtt = candidatePairRtt(pub ?? null);
    const downRtt = candidatePairRtt(sub ?? null);
    const downlinksRTT: Record<string, number> = {};
    for (const { userId } of this._deps.registry.announced()) {
      downlinksRTT[userId] = Number.isNaN(downRtt) ? 0 : Math.round(downRtt);
    }
    return { rtt: Number.isNaN(rtt) ? 0 : Math.round(rtt), downlinksRTT };
  }

  /** Bytes/packets sent of the published audio. */
  async localAudioStats(): Promise<LocalAudioStatsMap> {
    const result: LocalAudioStatsMap = {};
    const { userId, publisher } = this._deps;
    const report = await this._report('publisher');
    const senders = publisher.senderTrackIds('audio');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'outbound-rtp' || s['kind'] !== 'audio') return;
      if (senders.size && !senders.has(trackIdOf(report, s))) return;
      const prev = result[userId];
      result[userId] = {
        bytesSent: (prev?.bytesSent ?? 0) + num(s['bytesSent']),
        packetsSent: (prev?.packetsSent ?? 0) + num(s['packetsSent']),
      };
    });
    return result;
  }

  /** Bytes/packets/frames sent of the published video (all simulcast layers summed; size of the largest). */
  async localVideoStats(): Promise<LocalVideoStatsMap> {
    const result: LocalVideoStatsMap = {};
    const { userId } = this._deps;
    const report = await this._report('publisher');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'outbound-rtp' || s['kind'] !== 'video') return;
      const prev = result[userId];
      result[userId] = {
        bytesSent: (prev?.bytesSent ?? 0) + num(s['bytesSent']),
        packetsSent: (prev?.packetsSent ?? 0) + num(s['packetsSent']),
        framesEncoded: (prev?.framesEncoded ?? 0) + num(s['framesEncoded']),
        framesSent: (prev?.framesSent ?? 0) + num(s['framesSent']),
        frameWidth: Math.max(prev?.frameWidth ?? 0, num(s['frameWidth'])),
        frameHeight: Math.max(prev?.frameHeight ?? 0, num(s['frameHeight'])),
      };
    });
    return result;
  }

  /** Received audio per remote user. */
  async remoteAudioStats(): Promise<RemoteAudioStatsMap> {
    const result: RemoteAudioStatsMap = {};
    const report = await this._report('subscriber');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'inbound-rtp' || s['kind'] !== 'audio') return;
      const userId = this._deps.registry.userOfTrack(String(s['trackIdentifier'] ?? ''), 'main');
      if (!userId) return;
      result[userId] = {
        bytesReceived: num(s['bytesReceived']),
        packetsReceived: num(s['packetsReceived']),
        packetsLost: num(s['packetsLost']),
      };
    });
    return result;
  }

  /** Received video per remote user, of main or auxiliary streams. */
  async remoteVideoStats(remoteStreamType: RemoteStreamType): Promise<RemoteVideoStatsMap> {
    const result: RemoteVideoStatsMap = {};
    const report = await this._report('subscriber');
    report?.forEach((s: Record<string, unknown>) => {
      if (s['type'] !== 'inbound-rtp' || s['kind'] !== 'video') return;
      const userId = this._deps.registry.userOfTrack(String(s['trackIdentifier'] ?? ''), remoteStreamType);
      if (!userId) return;
      result[userId] = {
        bytesReceived: num(s['bytesReceived']),
        packetsReceived: num(s['packetsReceived']),
        packetsLost: num(s['packetsLost']),
        framesDecoded: num(s['framesDecoded']),
        frameWidth: num(s['frameWidth']),
        frameHeight: num(s['frameHeight']),
      };
    });
    return result;
  }

  private async _report(role: PeerConnectionRole): Promise<RTCStatsReport | null> {
    const transport = this._deps.transport();
    if (!transport) return null;
    return transport.getStats(role).catch(() => null);
  }

  private _emitAudioVolume(): void {
    const { phase, publisher, registry, userId, emit } = this._deps;
    if (phase() !== 'joined') return;
    const result: { userId: string; audioVolume: number; stream: AudioVolumeSource }[] = [];
    for (const stream of publisher.streams()) {
      result.push({ userId, audioVolume: toVolume(stream.getAudioLevel()), stream });
    }
    for (const { userId: remoteUserId, stream } of registry.announced()) {
      result.push({ userId: remoteUserId, audioVolume: toVolume(stream.getAudioLevel()), stream });
    }
    emit('audio-volume', { result });
  }

  private async _emitNetworkQuality(): Promise<void> {
    const { phase, connection, transport: currentTransport, publisher, emit } = this._deps;
    const now = phase();
    if (now !== 'joined' && now !== 'reconnecting') return;
    const session = connection();
    const transport = currentTransport();
    if (now === 'reconnecting' || !transport) {
      emit('network-quality', {
        uplinkNetworkQuality: 6,
        downlinkNetworkQuality: 6,
        uplinkRTT: 0,
        uplinkLoss: 0,
        downlinkRTT: 0,
        downlinkLoss: 0,
      });
      return;
    }
    const [pub, sub] = await Promise.all([
      transport.getStats('publisher').catch(() => null),
      transport.getStats('subscriber').catch(() => null),
    ]);
    if (session !== connection()) return;
    const up = uplinkCounters(pub);
    const down = downlinkCounters(sub);
    const uplink = { rtt: candidatePairRtt(pub), loss: lossBetween(this._lastUplink, up) };
    const downlink = { rtt: candidatePairRtt(sub), loss: lossBetween(this._lastDownlink, down) };
    this._lastUplink = up;
    this._lastDownlink = down;
    const connected = (role: PeerConnectionRole) => {
      const s = transport.iceState(role);
      return s === 'connected' || s === 'completed' || s === 'checking' || s === 'new';
    };
    const quality: NetworkQuality = {
      uplinkNetworkQuality: publisher.size ? qualityLevel(uplink, connected('publisher')) : 0,
      downlinkNetworkQuality: qualityLevel(downlink, connected('subscriber')),
      uplinkRTT: round(uplink.rtt),
      uplinkLoss: round2(uplink.loss),
      downlinkRTT: round(downlink.rtt),
      downlinkLoss: round2(downlink.loss),
    };
    emit('network-quality', quality);
  }
}

function toVolume(level: number): number {
  if (!Number.isFinite(level)) return 0;
  return Math.max(0, Math.min(100, Math.round(level * 100)));
}

function trackIdOf(report: RTCStatsReport, stat: Record<string, unknown>): string {
  const source = report.get(String(stat['mediaSourceId'] ?? ''));
  return String(source?.['trackIdentifier'] ?? '');
}

function round(value: number): number {
  return Number.isNaN(value) ? 0 : Math.round(value);
}

function round2(value: number): number {
  return Number.isNaN(value) ? 0 : Math.round(value * 100) / 100;
}
