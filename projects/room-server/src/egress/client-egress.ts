/**
 * trtc-js-sdk's client egress API on room-server: `egress.startMixTranscode`,
 * `egress.stopMixTranscode`, `egress.startPublishCDNStream`,
 * `egress.stopPublishCDNStream` (docs/egress.md).
 *
 * Each user has at most one CDN stream (id `<sdkAppId>_<roomId>_<userId>_main`
 * unless named). Its picture is the user's own main stream, or the mix while
 * startMixTranscode is on; it goes to the startPublishCDNStream URL (else
 * `<egress.cdnBaseUrl>/<streamId>`), and to a recording file when
 * `egress.recordCdnStreams` is set. One egress carries it; calls change that
 * egress in place (layout, outputs) and restart it only for new encoding
 * settings. Only anchors may call these; the server may turn them off.
 */
import type { EgressConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { MethodName, ParamsOf } from '../rpc/messages.js';
import { RpcError } from '../rpc/errors.js';
import type { ClientEgressHandler, EgressCaller } from '../session/peer-session.js';
import type { EgressManager } from './egress-manager.js';
import { resolveEncoding } from './encoding.js';
import { egressView, PLACEHOLDER, type EgressInfo, type EgressView, type EncodingSpec, type LayoutSpec } from './types.js';

/** How long a call waits for its egress to become active before answering EGRESS_FAILED. */
const ACTIVE_TIMEOUT_MS = 20_000;

/** One user's CDN stream. */
interface UserStream {
  readonly sdkAppId: number;
  readonly roomId: number | string;
  readonly userId: string;
  mix: { readonly layout: LayoutSpec; readonly encoding: EncodingSpec; readonly streamId: string | null } | null;
  cdn: { readonly streamId: string; readonly url: string | null } | null;
  egressId: string | null;
  /** Calls of this user run one after another. */
  queue: Promise<unknown>;
}

/** The `egress.*` methods. */
export class ClientEgress implements ClientEgressHandler {
  private readonly _streams = new Map<string, UserStream>();
  private readonly _off: () => void;

  constructor(
    private readonly _manager: EgressManager,
    private readonly _log: Logger,
  ) {
    // An egress that ended by itself (owner left, failed for good, admin stop, shutdown) takes the user's CDN stream with it.
    this._off = _manager.on('stopped', (info) => {
      for (const [key, stream] of this._streams) {
        if (stream.egressId === info.egressId) this._streams.delete(key);
      }
    });
  }

  /** Removes the manager listener. */
  dispose(): void {
    this._off();
  }

  async handle(method: MethodName, params: unknown, caller: EgressCaller): Promise<unknown> {
    const config = this._manager.config;
    if (!config.enabled || !config.clientApi) throw new RpcError('EGRESS_FAILED', 'the client egress API is turned off on this server');
    if (caller.role !== 'anchor') throw new RpcError('ROLE_FORBIDDEN', 'only anchors may start or stop mix transcoding and CDN publishing');
    const stream = this._streamOf(caller);
    const run = async (): Promise<unknown> => {
      switch (method) {
        case 'egress.startMixTranscode':
          stream.mix = this._mixOf(params as ParamsOf<'egress.startMixTranscode'>, caller, config);
          break;
        case 'egress.stopMixTranscode':
          stream.mix = null;
          break;
        case 'egress.startPublishCDNStream':
          stream.cdn = this._cdnOf(params as ParamsOf<'egress.startPublishCDNStream'>, stream, config);
          break;
        case 'egress.stopPublishCDNStream':
          stream.cdn = null;
          break;
        default:
          throw new RpcError('METHOD_NOT_FOUND', `no method ${method}`);
      }
      return { egress: await this._reconcile(stream, caller) };
    };
    const result = stream.queue.then(run, run);
    stream.queue = result.catch(() => undefined);
    return result;
  }

  private _streamOf(caller: EgressCaller): UserStream {
    const key = `${caller.room.sessionId}\n${caller.userId}`;
    let stream = this._streams.get(key);
    if (!stream) {
      stream = { sdkAppId: caller.room.sdkAppId, roomId: caller.room.roomId, userId: caller.userId, mix: null, cdn: null, egressId: null, queue: Promise.resolve() };
      this._streams.set(key, stream);
    }
    return stream;
  }

  private _mixOf(p: ParamsOf<'egress.startMixTranscode'>, caller: EgressCaller, config: EgressConfig): NonNullable<UserStream['mix']> {
    if (p.backgroundImage) throw new RpcError('INVALID_PARAMS', 'backgroundImage is not supported; use backgroundColor');
    const mode = p.mode ?? 'manual';
    p.mixUsers.forEach((user, i) => {
      if (user.roomId !== undefined && user.roomId !== caller.room.roomId) {
        throw new RpcError('INVALID_PARAMS', `mixUsers[${i}].roomId: only streams of the caller's room can be mixed here`);
      }
      if (mode === 'manual' && user.userId.startsWith('$')) throw new RpcError('INVALID_PARAMS', `mixUsers[${i}].userId: placeholders need mode 'preset-layout'`);
    });
    // trtc-js-sdk: "The list must contain API caller information."
    const hasCaller = p.mixUsers.some((u) => u.userId === caller.userId || u.userId === PLACEHOLDER.LOCAL_MAIN || u.userId === PLACEHOLDER.LOCAL_SUB);
    if (!hasCaller) throw new RpcError('INVALID_PARAMS', 'mixUsers must contain the caller');
    const encoding = resolveEncoding(config, {
      width: p.videoWidth,
      height: p.videoHeight,
      frameRate: p.videoFramerate,
      videoBitrateKbps: p.videoBitrate,
      gopSeconds: p.videoGOP,
      audioSampleRate: p.audioSampleRate,
      audioChannels: p.audioChannels,
      audioBitrateKbps: p.audioBitrate,
      backgroundColor: p.backgroundColor,
    });
    return { layout: { kind: 'mix', mode, owner: caller.userId, mixUsers: p.mixUsers }, encoding, streamId: p.streamId || null };
  }

  private _cdnOf(p: ParamsOf<'egress.startPublishCDNStream'>, stream: UserStream, config: EgressConfig): NonNullable<UserStream['cdn']> {
    const streamId = p.streamId || stream.mix?.streamId || defaultStreamId(stream);
    if (p.url !== undefined && !config.rtmpUrlPrefixes.some((prefix) => p.url!.startsWith(prefix))) {
      throw new RpcError('PRIVILEGE_DENIED', 'url: not an RTMP destination this server allows (egress.rtmpUrlPrefixes)');
    }
    if (p.url === undefined && config.cdnBaseUrl === null) throw new RpcError('INVALID_PARAMS', 'url is required: this server has no egress.cdnBaseUrl');
    return { streamId, url: p.url ?? null };
  }

  /** Makes the user's egress match their mix and CDN settings; resolves with it once active (null: none needed). */
  private async _reconcile(stream: UserStream, caller: EgressCaller): Promise<EgressView | null> {
    const config = this._manager.config;
    const streamId = stream.cdn?.streamId ?? stream.mix?.streamId ?? defaultStreamId(stream);
    const rtmpUrl = stream.cdn?.url ?? (stream.mix || stream.cdn ? (config.cdnBaseUrl !== null ? `${config.cdnBaseUrl.replace(/\/+$/, '')}/${streamId}` : null) : null);
    const file = (stream.mix !== null || stream.cdn !== null) && config.recordCdnStreams;
    const running = stream.egressId !== null ? this._manager.get(stream.egressId) : undefined;
    const isRunning = running !== undefined && running.status !== 'stopped' && running.status !== 'failed';
    // Nothing to carry (no mix, no CDN), or a mix with nowhere to go yet: a later startPublishCDNStream sends it.
    if (!file && rtmpUrl === null) {
      if (isRunning) await this._stopQuietly(stream);
      if (!stream.mix && !stream.cdn) this._forget(stream, caller);
      return null;
    }
    const layout: LayoutSpec = stream.mix?.layout ?? { kind: 'single', userId: stream.userId };
    const encoding = stream.mix?.encoding ?? resolveEncoding(config, {});
    const outputs = { file, rtmpUrl };
    if (isRunning && sameEncoding(running, encoding)) {
      this._manager.update(running.egressId, { layout, outputs, streamId });
      return egressView(this._manager.get(running.egressId)!);
    }
    if (isRunning) await this._stopQuietly(stream);
    const { info, whenActive } = this._manager.start({ sdkAppId: stream.sdkAppId, roomId: stream.roomId, owner: stream.userId, streamId, layout, encoding, outputs });
    stream.egressId = info.egressId;
    try {
      const active = await Promise.race([
        whenActive,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not active within ${ACTIVE_TIMEOUT_MS} ms`)), ACTIVE_TIMEOUT_MS).unref()),
      ]);
      return egressView(active);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this._log.warn('client egress did not start', { egressId: info.egressId, userId: stream.userId, error: detail });
      await this._stopQuietly(stream);
      stream.mix = null;
      stream.cdn = null;
      this._forget(stream, caller);
      throw new RpcError('EGRESS_FAILED', detail.slice(0, 300));
    }
  }

  /** Stops the user's egress without dropping their settings (the 'stopped' listener only forgets matching ids). */
  private async _stopQuietly(stream: UserStream): Promise<void> {
    const id = stream.egressId;
    stream.egressId = null;
    if (id !== null) await this._manager.stop(id);
  }

  private _forget(stream: UserStream, caller: EgressCaller): void {
    this._streams.delete(`${caller.room.sessionId}\n${stream.userId}`);
  }
}

/** trtc-js-sdk's default CDN stream id, `<sdkAppId>_<roomId>_<userId>_main`, with a string room id made safe for URLs and file names. */
export function defaultStreamId(s: { sdkAppId: number; roomId: number | string; userId: string }): string {
  return `${s.sdkAppId}_${String(s.roomId).replace(/[^A-Za-z0-9_.-]/g, '-')}_${s.userId.replace(/[^A-Za-z0-9_.-]/g, '-')}_main`;
}

function sameEncoding(info: EgressInfo, encoding: EncodingSpec): boolean {
  return JSON.stringify(info.encoding) === JSON.stringify(encoding);
}
