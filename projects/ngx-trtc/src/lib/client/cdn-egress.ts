import { ErrorCode, RtcError } from '../errors/rtc-error';
import type {
  EgressView,
  MixTranscodeConfig,
  PublishCDNStreamOptions,
  RequestMap,
  RequestMethod,
  ServerNotification,
} from '../signal/protocol';
import { RoomErrorCode } from '../signal/protocol';
import { SignalRequestError } from '../signal/room-signal';
import { toOperationError } from './client-errors';

/** What the egress calls need of the client: a joined session's request channel, and the app's events. */
export interface CdnEgressDeps {
  /** The joined session's request (throws INVALID_OPERATION when not joined); `method` names the API call. */
  request<M extends RequestMethod>(api: string, method: M, params: RequestMap[M]['params'], timeoutMs: number): Promise<RequestMap[M]['result']>;
  emit(type: 'egress-started' | 'egress-stopped', data: EgressEvent): void;
  emit(type: 'egress-failed', data: EgressFailedEvent): void;
}

/** `egress-started` / `egress-stopped`: a recording or CDN push of the room became live / ended. */
export interface EgressEvent {
  readonly egress: EgressView;
}

/** `egress-failed`: its worker or an output failed; room-server restarts it when `isRestarting`. */
export interface EgressFailedEvent extends EgressEvent {
  readonly error: string;
  readonly isRestarting: boolean;
}

/**
 * room-server answers once the egress is live (it waits up to 20 s for the
 * worker's first output), so these calls get longer than the usual request timeout.
 */
const EGRESS_REQUEST_MS = 30_000;
const MAX_MIX_USERS = 16;

/**
 * trtc-js-sdk's mix and CDN calls (`startMixTranscode`, `stopMixTranscode`,
 * `startPublishCDNStream`, `stopPublishCDNStream`) on room-server's egress,
 * and its `egress-*` notifications as client events. Arguments are checked
 * here so that a wrong shape is an INVALID_PARAMETER at once, not a round
 * trip; room-server decides who may (anchors only) and where to (its RTMP
 * URL prefixes).
 */
export class CdnEgress {
  constructor(private readonly _deps: CdnEgressDeps) {}

  /** Mixes the listed users into this user's CDN stream (or changes the mix). Resolves once it is live. */
  async startMixTranscode(config: MixTranscodeConfig): Promise<EgressView> {
    validateMixConfig(config);
    const { egress } = await this._call('startMixTranscode', 'egress.startMixTranscode', stripUndefined(config));
    return egress;
  }

  /** Ends the mix: the CDN stream goes back to this user's own stream, or ends when not published. */
  async stopMixTranscode(): Promise<EgressView | null> {
    return (await this._call('stopMixTranscode', 'egress.stopMixTranscode', {})).egress;
  }

  /** Pushes this user's CDN stream (the mix while one is on) to an RTMP URL. Resolves once it is live. */
  async startPublishCDNStream(options: PublishCDNStreamOptions = {}): Promise<EgressView> {
    validateCdnOptions(options);
    const { egress } = await this._call('startPublishCDNStream', 'egress.startPublishCDNStream', stripUndefined(options));
    return egress;
  }

  /** Stops the RTMP push (a mix that records goes on). */
  async stopPublishCDNStream(): Promise<EgressView | null> {
    return (await this._call('stopPublishCDNStream', 'egress.stopPublishCDNStream', {})).egress;
  }

  /** Turns an `egress-*` notification into its client event; false for any other notification. */
  onNotification(notification: ServerNotification): boolean {
    switch (notification.method) {
      case 'egress-started':
      case 'egress-stopped':
        this._deps.emit(notification.method, { egress: notification.params.egress });
        return true;
      case 'egress-failed':
        this._deps.emit('egress-failed', { ...notification.params });
        return true;
      default:
        return false;
    }
  }

  private async _call<M extends RequestMethod>(api: string, method: M, params: RequestMap[M]['params']): Promise<RequestMap[M]['result']> {
    try {
      return await this._deps.request(api, method, params, EGRESS_REQUEST_MS);
    } catch (error) {
      if (error instanceof SignalRequestError && error.code === RoomErrorCode.INVALID_PARAMS) {
        throw new RtcError(ErrorCode.INVALID_PARAMETER, `${api}: room-server refused the parameters (${error.message})`, { cause: error, extraCode: error.code });
      }
      throw toOperationError(api, error);
    }
  }
}

function invalid(api: string, detail: string): RtcError {
  return new RtcError(ErrorCode.INVALID_PARAMETER, `${api}: ${detail}`);
}

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function checkOptionalInt(api: string, config: object, key: string, min: number, max: number): void {
  const value = (config as Record<string, unknown>)[key];
  if (value !== undefined && !isInt(value, min, max)) throw invalid(api, `${key} must be an integer ${min}…${max}, got ${String(value)}`);
}

function validateMixConfig(config: MixTranscodeConfig): void {
  const api = 'startMixTranscode';
  if (typeof config !== 'object' || config === null) throw invalid(api, 'config must be an object');
  if (config.mode !== undefined && config.mode !== 'manual' && config.mode !== 'preset-layout') throw invalid(api, `mode must be 'manual' or 'preset-layout'`);
  if (!Array.isArray(config.mixUsers) || config.mixUsers.length === 0 || config.mixUsers.length > MAX_MIX_USERS) {
    throw invalid(api, `mixUsers must list 1…${MAX_MIX_USERS} users`);
  }
  if (config.streamId !== undefined && (typeof config.streamId !== 'string' || !/^[A-Za-z0-9_.-]{0,128}$/.test(config.streamId))) {
    throw invalid(api, 'streamId: letters, digits, _ . - (up to 128)');
  }
  checkOptionalInt(api, config, 'videoWidth', 0, 3840);
  checkOptionalInt(api, config, 'videoHeight', 0, 2160);
  checkOptionalInt(api, config, 'videoBitrate', 0, 20_000);
  checkOptionalInt(api, config, 'videoFramerate', 1, 30);
  checkOptionalInt(api, config, 'videoGOP', 1, 8);
  checkOptionalInt(api, config, 'audioBitrate', 32, 192);
  checkOptionalInt(api, config, 'backgroundColor', 0, 0xffffff);
  if (config.audioSampleRate !== undefined && ![16000, 32000, 44100, 48000].includes(config.audioSampleRate)) throw invalid(api, 'audioSampleRate must be 16000, 32000, 44100 or 48000');
  if (config.audioChannels !== undefined && config.audioChannels !== 1 && config.audioChannels !== 2) throw invalid(api, 'audioChannels must be 1 or 2');
  config.mixUsers.forEach((user, i) => {
    if (typeof user !== 'object' || user === null || typeof user.userId !== 'string' || user.userId === '') throw invalid(api, `mixUsers[${i}].userId is required`);
    if (typeof user.pureAudio !== 'boolean') throw invalid(api, `mixUsers[${i}].pureAudio must be a boolean`);
    for (const [key, max] of [['width', 3840], ['height', 2160], ['locationX', 3840], ['locationY', 2160]] as const) checkOptionalInt(api, user, key, 0, max);
    checkOptionalInt(api, user, 'zOrder', 1, 15);
    if (user.streamType !== undefined && user.streamType !== 'main' && user.streamType !== 'auxiliary') throw invalid(api, `mixUsers[${i}].streamType must be 'main' or 'auxiliary'`);
  });
}

function validateCdnOptions(options: PublishCDNStreamOptions): void {
  const api = 'startPublishCDNStream';
  if (typeof options !== 'object' || options === null) throw invalid(api, 'options must be an object');
  if (options.streamId !== undefined && (typeof options.streamId !== 'string' || !/^[A-Za-z0-9_.-]{0,128}$/.test(options.streamId))) {
    throw invalid(api, 'streamId: letters, digits, _ . - (up to 128)');
  }
  if (options.url !== undefined && (typeof options.url !== 'string' || !/^rtmps?:\/\/\S+$/.test(options.url) || options.url.length > 2048)) {
    throw invalid(api, 'url must be an rtmp:// or rtmps:// URL');
  }
  checkOptionalInt(api, options, 'appId', 0, 4294967295);
  checkOptionalInt(api, options, 'bizId', 0, 4294967295);
}

/** JSON drops undefined anyway; stripping keeps the request exactly what the app set. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
