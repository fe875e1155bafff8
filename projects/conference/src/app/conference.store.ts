import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { ErrorCode, LocalStream, RemoteStream, StreamService, TrtcClientService, deriveE2eeKey, isRtcError, qualityLevel } from 'ngx-trtc';
import type { E2eeStateEvent, NetworkQualityLevel, Role, TrtcClientRef } from 'ngx-trtc';
import { Subscription } from 'rxjs';

import { fetchDevUserSig } from './dev-usersig';

/** What the lobby collects. */
export interface JoinSettings {
  roomId: string;
  userId: string;
  mode: 'call' | 'live';
  role: Role;
  cameraId: string;
  microphoneId: string;
  /** Mirror the published video (what others see). */
  mirror: boolean;
  /** Beauty (smoothing) strength 0–100. */
  beauty: number;
  /**
   * End-to-end encryption passphrase; empty = not encrypted. Everyone in the
   * room types the same one; the key is derived from it and the room id.
   */
  passphrase: string;
  /** RNNoise on the microphone (localStream.setAudioProcessing). */
  noiseSuppression: boolean;
}

/** Where the app is. */
export type Phase = 'lobby' | 'joining' | 'room';

/** A message shown to the user. */
export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

/** One row of the stats panel. */
export interface StreamStats {
  key: string;
  userId: string;
  label: string;
  direction: 'sent' | 'received';
  videoKbps: number;
  audioKbps: number;
  width: number;
  height: number;
  fps: number;
  rttMs: number;
  /** 0–1 */
  loss: number;
}

interface Counter {
  bytes: number;
  frames: number;
  packets: number;
  lost: number;
  at: number;
}

const STATS_INTERVAL_MS = 2000;
const VOLUME_INTERVAL_MS = 250;

/** Numeric TRTC room ids are u32; anything else is a string room id. */
export function parseRoomId(text: string): { roomId: number | string; useStringRoomId: boolean } {
  const trimmed = text.trim();
  if (/^\d{1,10}$/.test(trimmed) && Number(trimmed) >= 1 && Number(trimmed) <= 4294967294) {
    return { roomId: Number(trimmed), useStringRoomId: false };
  }
  return { roomId: trimmed, useStringRoomId: true };
}

/** The user-facing sentence for a failed join, kick, or lost connection. */
export function describeError(error: unknown): string {
  if (isRtcError(error)) {
    const detail = error.message.replace(/^<[^>]+>:\s*/, '');
    switch (error.code) {
      case ErrorCode.INITIALIZE_FAILED:
        return `Camera or microphone could not start (permission denied or in use by another app). ${detail}`;
      case ErrorCode.DEVICE_NOT_FOUND:
        return `No camera or microphone was found. ${detail}`;
      case ErrorCode.SIGNAL_CHANNEL_SETUP_FAILED:
        return `Could not reach the room server. Check your network and try again. (${detail})`;
      case ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED:
        return `The connection to the room was lost and could not be restored. (${detail})`;
      case ErrorCode.JOIN_ROOM_FAILED:
        if (/privilege|denied|userSig|expired|auth/i.test(detail)) return `You were not allowed into the room: ${detail}`;
        return `Could not join the room: ${detail}`;
      case ErrorCode.SERVER_TIMEOUT:
      case ErrorCode.API_CALL_TIMEOUT:
        return `The room server did not answer in time. (${detail})`;
      case ErrorCode.CLIENT_BANNED:
        return `You cannot join this room: ${detail.replace(/^join:\s*/, '')}.`;
      case ErrorCode.SWITCH_ROLE_FAILED:
        return `Could not change your role: ${detail}`;
      default:
        return detail;
    }
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The conference's state: the lobby's settings and preview, the client, local
 * streams, and everything the room shows. Components read signals and call
 * methods; all SDK calls live here.
 */
@Injectable({ providedIn: 'root' })
export class ConferenceStore {
  private readonly _clients = inject(TrtcClientService);
  private readonly _streams = inject(StreamService);

  private readonly _phase = signal<Phase>('lobby');
  private readonly _notice = signal<Notice | null>(null);
  private readonly _ref = signal<TrtcClientRef | null>(null);
  private readonly _camera = signal<LocalStream | null>(null);
  private readonly _screen = signal<LocalStream | null>(null);
  private readonly _role = signal<Role>('anchor');
  private readonly _audioMuted = signal(false);
  private readonly _videoMuted = signal(false);
  private readonly _volumes = signal<ReadonlyMap<string, number>>(new Map());
  private readonly _stats = signal<readonly StreamStats[]>([]);
  private readonly _remoteQuality = signal<ReadonlyMap<string, NetworkQualityLevel>>(new Map());
  private readonly _reconnectedAt = signal(0);
  private readonly _autoplayBlocked = signal(false);
  private readonly _busy = signal(false);
  private readonly _previewError = signal<string | null>(null);
  private readonly _settings = signal<JoinSettings>({
    roomId: '',
    userId: '',
    mode: 'call',
    role: 'anchor',
    cameraId: '',
    microphoneId: '',
    mirror: false,
    beauty: 0,
    passphrase: '',
    noiseSuppression: false,
  });
  private readonly _encrypted = signal(false);
  /** The last E2EE problem per remote user (wrong passphrase, unencrypted sender), cleared when frames open again. */
  private readonly _e2eeProblems = signal<ReadonlyMap<string, E2eeStateEvent>>(new Map());

  private _events: Subscription | null = null;
  private _statsTimer: ReturnType<typeof setInterval> | null = null;
  private _counters = new Map<string, Counter>();
  private _previewPending: Promise<LocalStream | null> | null = null;

  readonly phase = this._phase.asReadonly();
  readonly notice = this._notice.asReadonly();
  readonly settings = this._settings.asReadonly();
  /** The camera + microphone stream: the lobby preview, then the published stream. */
  readonly camera = this._camera.asReadonly();
  readonly screen = this._screen.asReadonly();
  readonly role = this._role.asReadonly();
  readonly audioMuted = this._audioMuted.asReadonly();
  readonly videoMuted = this._videoMuted.asReadonly();
  readonly volumes = this._volumes.asReadonly();
  readonly stats = this._stats.asReadonly();
  readonly remoteQuality = this._remoteQuality.asReadonly();
  readonly autoplayBlocked = this._autoplayBlocked.asReadonly();
  readonly busy = this._busy.asReadonly();
  readonly previewError = this._previewError.asReadonly();
  readonly reconnectedAt = this._reconnectedAt.asReadonly();
  /** Whether this call is end-to-end encrypted (joined with a passphrase). */
  readonly encrypted = this._encrypted.asReadonly();
  readonly e2eeProblems = this._e2eeProblems.asReadonly();

  readonly cameras = this._streams.cameras;
  readonly microphones = this._streams.microphones;
  readonly screenShareSupported = this._streams.isScreenShareSupported();

  readonly connectionState = computed(() => this._ref()?.connectionState() ?? 'DISCONNECTED');
  readonly remoteStreams = computed<readonly RemoteStream[]>(() => this._ref()?.remoteStreams() ?? []);
  readonly peers = computed(() => this._ref()?.peers() ?? []);
  readonly mutedStates = computed(() => this._ref()?.mutedStates() ?? []);
  readonly networkQuality = computed(() => this._ref()?.networkQuality() ?? null);
  readonly isLive = computed(() => this._settings().mode === 'live');
  /** Whether this user sends media (call mode, or an anchor in live mode). */
  readonly isAnchor = computed(() => !this.isLive() || this._role() === 'anchor');

  constructor() {
    inject(DestroyRef).onDestroy(() => this._teardown());
  }

  /** Updates lobby settings. */
  patchSettings(patch: Partial<JoinSettings>): void {
    this._settings.update((s) => ({ ...s, ...patch }));
  }

  dismissNotice(): void {
    this._notice.set(null);
  }

  // ------------------------------------------------------------ preview

  /** Starts (or re-targets) the camera + microphone preview. */
  async startPreview(): Promise<LocalStream | null> {
    const existing = this._camera();
    if (existing) return existing;
    if (this._previewPending) return this._previewPending;
    const { cameraId, microphoneId, mirror, beauty } = this._settings();
    const stream = this._streams.createStream({
      audio: true,
      video: true,
      cameraId: cameraId || undefined,
      microphoneId: microphoneId || undefined,
      effects: effectsOf(mirror, beauty),
    });
    this._previewError.set(null);
    this._previewPending = stream
      .initialize()
      .then(async () => {
        // Read now, not at creation: the toggle may have been switched while the devices opened.
        if (this._settings().noiseSuppression) await this._applyNoiseSuppression(stream, true);
        this._audioMuted.set(false);
        this._videoMuted.set(false);
        this._camera.set(stream);
        const { audio, video } = stream.getRawTracks();
        this.patchSettings({
          cameraId: video?.getSettings().deviceId ?? cameraId,
          microphoneId: audio?.getSettings().deviceId ?? microphoneId,
        });
        return stream;
      })
      .catch((error: unknown) => {
        stream.close();
        this._previewError.set(describeError(error));
        return null;
      })
      .finally(() => (this._previewPending = null));
    return this._previewPending;
  }

  /** Stops the preview (audience, or leaving the lobby for good). */
  stopPreview(): void {
    this._camera()?.close();
    this._camera.set(null);
  }

  /** Switches the camera or microphone, in the lobby or mid-call. */
  async switchDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    this.patchSettings(kind === 'audio' ? { microphoneId: deviceId } : { cameraId: deviceId });
    const stream = this._camera();
    if (!stream || !deviceId) return;
    try {
      await stream.switchDevice(kind, deviceId);
    } catch (error) {
      this._notice.set({ kind: 'error', text: `Could not switch ${kind === 'audio' ? 'microphone' : 'camera'}: ${describeError(error)}` });
    }
  }

  /** Switches RNNoise on the microphone, live (in the lobby and mid-call). */
  async setNoiseSuppression(on: boolean): Promise<void> {
    this.patchSettings({ noiseSuppression: on });
    const stream = this._camera();
    if (stream) await this._applyNoiseSuppression(stream, on);
  }

  private async _applyNoiseSuppression(stream: LocalStream, on: boolean): Promise<void> {
    try {
      await stream.setAudioProcessing({ noiseSuppression: on });
    } catch (error) {
      this.patchSettings({ noiseSuppression: false });
      this._notice.set({ kind: 'error', text: `Could not switch noise suppression: ${describeError(error)}` });
    }
  }

  /** Applies mirror and beauty to the camera, live. */
  async setEffects(mirror: boolean, beauty: number): Promise<void> {
    this.patchSettings({ mirror, beauty });
    const stream = this._camera();
    if (!stream) return;
    try {
      await stream.setVideoEffects(effectsOf(mirror, beauty));
    } catch (error) {
      this._notice.set({ kind: 'error', text: `Could not apply effects: ${describeError(error)}` });
    }
  }

  // --------------------------------------------------------------- room

  /** Gets a UserSig, joins, and publishes the camera (anchors only). */
  async join(): Promise<void> {
    if (this._phase() !== 'lobby') return;
    const settings = this._settings();
    const { roomId, useStringRoomId } = parseRoomId(settings.roomId);
    const role: Role = settings.mode === 'live' ? settings.role : 'anchor';
    this._notice.set(null);
    this._phase.set('joining');
    this._role.set(role);
    let ref: TrtcClientRef | null = null;
    try {
      const grant = await fetchDevUserSig(settings.userId);
      // PBKDF2 from the passphrase, salted with the room: one passphrase, a key per room.
      const passphrase = settings.passphrase;
      const e2ee = passphrase ? { key: await deriveE2eeKey(passphrase, settings.roomId.trim()) } : undefined;
      ref = this._clients.createClient({
        sdkAppId: grant.sdkAppId,
        userId: grant.userId,
        userSig: grant.userSig,
        mode: settings.mode === 'live' ? 'live' : 'rtc',
        useStringRoomId,
        e2ee,
      });
      this._encrypted.set(!!e2ee);
      this._ref.set(ref);
      this._events = ref.events$.subscribe((event) => {
        switch (event.type) {
          case 'client-banned':
            this._endCall({ kind: 'error', text: bannedMessage(event.data.reason, event.data.message) });
            break;
          case 'error':
            if (event.data.code === ErrorCode.SIGNAL_CHANNEL_RECONNECTION_FAILED) {
              this._endCall({ kind: 'error', text: describeError(event.data) });
            }
            break;
          case 'reconnected':
            this._reconnectedAt.set(Date.now());
            break;
          case 'e2ee-state':
            this._noteE2ee(event.data);
            break;
          case 'audio-volume':
            this._volumes.set(new Map(event.data.result.map((r) => [r.userId + ':' + streamTypeOf(r.stream), r.audioVolume])));
            break;
        }
      });
      await ref.client.join({ roomId, role });
      ref.client.enableAudioVolumeEvaluation(VOLUME_INTERVAL_MS);
      if (role === 'anchor') await this._publishCamera(ref);
      else this.stopPreview();
      this._phase.set('room');
      this._startStats(ref);
    } catch (error) {
      this._events?.unsubscribe();
      this._events = null;
      ref?.destroy();
      this._ref.set(null);
      this._phase.set('lobby');
      this._notice.set({ kind: 'error', text: describeError(error) });
    }
  }

  /** Leaves the room and returns to the lobby. */
  async leave(): Promise<void> {
    const ref = this._ref();
    try {
      await ref?.client.leave();
    } catch (error) {
      // Leaving continues locally; room-server drops the peer when the socket closes.
      console.warn('leave failed', error);
    }
    this._endCall(null);
  }

  /** Mutes or unmutes the microphone. */
  toggleMic(): void {
    const stream = this._camera();
    if (!stream) return;
    const muted = this._audioMuted();
    const ok = muted ? stream.unmuteAudio() : stream.muteAudio();
    if (ok) this._audioMuted.set(!muted);
  }

  /** Turns the camera off or on. */
  toggleCamera(): void {
    const stream = this._camera();
    if (!stream) return;
    const muted = this._videoMuted();
    const ok = muted ? stream.unmuteVideo() : stream.muteVideo();
    if (ok) this._videoMuted.set(!muted);
  }

  /** Starts or stops sharing the screen as the auxiliary stream. */
  async toggleScreenShare(): Promise<void> {
    const ref = this._ref();
    if (!ref || this._busy()) return;
    this._busy.set(true);
    try {
      const current = this._screen();
      if (current) {
        await this._stopScreen(ref, current);
        return;
      }
      const screen = this._streams.createStream({ screen: true, audio: false });
      try {
        await screen.initialize();
      } catch (error) {
        screen.close();
        // The user closing the picker is not an error worth a banner.
        if (!/NotAllowed|Permission|denied/i.test(String((error as Error)?.message))) throw error;
        return;
      }
      screen.on('screen-sharing-stopped', () => void this._stopScreen(ref, screen));
      await ref.client.publish(screen, { isAuxiliary: true });
      this._screen.set(screen);
    } catch (error) {
      this._notice.set({ kind: 'error', text: `Screen share failed: ${describeError(error)}` });
    } finally {
      this._busy.set(false);
    }
  }

  /** Live mode: audience ↔ anchor. */
  async switchRole(role: Role): Promise<void> {
    const ref = this._ref();
    if (!ref || this._busy() || role === this._role()) return;
    this._busy.set(true);
    try {
      if (role === 'anchor') {
        await ref.client.switchRole('anchor');
        this._role.set('anchor');
        await this._publishCamera(ref);
      } else {
        await ref.client.switchRole('audience');
        this._role.set('audience');
        this._screen()?.close();
        this._screen.set(null);
        this.stopPreview();
      }
    } catch (error) {
      this._notice.set({ kind: 'error', text: describeError(error) });
    } finally {
      this._busy.set(false);
    }
  }

  /** A video view reported that the browser blocked autoplay. */
  reportAutoplayBlocked(): void {
    this._autoplayBlocked.set(true);
  }

  /** The resume button was pressed (the views resume themselves). */
  clearAutoplayBlocked(): void {
    this._autoplayBlocked.set(false);
  }

  // ----------------------------------------------------------- internals

  private async _publishCamera(ref: TrtcClientRef): Promise<void> {
    const stream = await this.startPreview();
    if (!stream) {
      // Joined without media: the room still works, others are seen and heard.
      this._notice.set({ kind: 'error', text: this._previewError() ?? 'Camera and microphone are unavailable.' });
      return;
    }
    try {
      await ref.client.publish(stream);
    } catch (error) {
      this._notice.set({ kind: 'error', text: `Could not publish your camera: ${describeError(error)}` });
    }
  }

  private async _stopScreen(ref: TrtcClientRef, screen: LocalStream): Promise<void> {
    if (this._screen() !== screen) return;
    this._screen.set(null);
    try {
      if (ref.client.getLocalStreams().includes(screen)) await ref.client.unpublish(screen);
    } catch (error) {
      // The stream is closed below either way; room-server removes it with the publication.
      console.warn('unpublish screen failed', error);
    }
    screen.close();
  }

  private _endCall(notice: Notice | null): void {
    const ref = this._ref();
    if (!ref && this._phase() === 'lobby') return;
    this._stopStats();
    this._events?.unsubscribe();
    this._events = null;
    this._screen()?.close();
    this._screen.set(null);
    ref?.destroy();
    this._ref.set(null);
    this._volumes.set(new Map());
    this._encrypted.set(false);
    this._e2eeProblems.set(new Map());
    this._autoplayBlocked.set(false);
    this._phase.set('lobby');
    this._role.set(this._settings().role);
    if (notice) this._notice.set(notice);
    // The lobby starts a fresh preview: a stream that was published carries the old session's state.
    this.stopPreview();
    this._audioMuted.set(false);
    this._videoMuted.set(false);
  }

  /** Remembers what keeps a remote user's frames from opening (or forgets it once they open). */
  private _noteE2ee(event: E2eeStateEvent): void {
    if (event.direction !== 'receive' || !event.userId) return;
    const problems = new Map(this._e2eeProblems());
    if (event.state === 'ok') problems.delete(event.userId);
    else problems.set(event.userId, event);
    this._e2eeProblems.set(problems);
  }

  private _teardown(): void {
    this._stopStats();
    this._events?.unsubscribe();
    this._ref()?.destroy();
    this._screen()?.close();
    this._camera()?.close();
  }

  private _startStats(ref: TrtcClientRef): void {
    this._stopStats();
    this._counters.clear();
    this._statsTimer = setInterval(() => void this._sampleStats(ref), STATS_INTERVAL_MS);
  }

  private _stopStats(): void {
    if (this._statsTimer !== null) clearInterval(this._statsTimer);
    this._statsTimer = null;
    this._stats.set([]);
    this._remoteQuality.set(new Map());
  }

  private async _sampleStats(ref: TrtcClientRef): Promise<void> {
    const client = ref.client;
    if (this._ref() !== ref || client.connectionState !== 'CONNECTED') return;
    try {
      const [transport, localVideo, localAudio, remoteMain, remoteAux, remoteAudio] = await Promise.all([
        client.getTransportStats(),
        client.getLocalVideoStats(),
        client.getLocalAudioStats(),
        client.getRemoteVideoStats('main'),
        client.getRemoteVideoStats('auxiliary'),
        client.getRemoteAudioStats(),
      ]);
      if (this._ref() !== ref) return;
      const now = performance.now();
      const rows: StreamStats[] = [];
      const quality = new Map<string, NetworkQualityLevel>();
      const me = client.userId;
      if (client.getLocalStreams().length > 0) {
        const v = localVideo[me];
        const a = localAudio[me];
        const video = this._delta(`up:v`, v?.bytesSent ?? 0, v?.framesEncoded ?? 0, v?.packetsSent ?? 0, 0, now);
        const audio = this._delta(`up:a`, a?.bytesSent ?? 0, 0, a?.packetsSent ?? 0, 0, now);
        rows.push({
          key: 'sent',
          userId: me,
          label: this._screen() ? 'You (camera + screen)' : 'You',
          direction: 'sent',
          videoKbps: video.kbps,
          audioKbps: audio.kbps,
          width: v?.frameWidth ?? 0,
          height: v?.frameHeight ?? 0,
          fps: video.fps,
          rttMs: transport.rtt,
          loss: this.networkQuality()?.uplinkLoss ?? 0,
        });
      }
      for (const stream of client.getRemoteStreams()) {
        const userId = stream.getUserId();
        const type = stream.getType();
        const v = (type === 'main' ? remoteMain : remoteAux)[userId];
        const a = type === 'main' ? remoteAudio[userId] : undefined;
        const video = this._delta(`${userId}:${type}:v`, v?.bytesReceived ?? 0, v?.framesDecoded ?? 0, v?.packetsReceived ?? 0, v?.packetsLost ?? 0, now);
        const audio = this._delta(`${userId}:${type}:a`, a?.bytesReceived ?? 0, 0, a?.packetsReceived ?? 0, a?.packetsLost ?? 0, now);
        const packets = video.packets + audio.packets;
        const lost = video.lost + audio.lost;
        const loss = packets + lost > 0 ? lost / (packets + lost) : 0;
        const rtt = transport.downlinksRTT[userId] ?? 0;
        rows.push({
          key: `${userId}:${type}`,
          userId,
          label: type === 'main' ? userId : `${userId} (screen)`,
          direction: 'received',
          videoKbps: video.kbps,
          audioKbps: audio.kbps,
          width: v?.frameWidth ?? 0,
          height: v?.frameHeight ?? 0,
          fps: video.fps,
          rttMs: rtt,
          loss,
        });
        if (type === 'main') {
          quality.set(userId, qualityLevel({ rtt: rtt || Number.NaN, loss: packets + lost > 0 ? loss : Number.NaN }, true));
        }
      }
      this._stats.set(rows);
      this._remoteQuality.set(quality);
    } catch (error) {
      // A stats read can race a renegotiation or a leave; the next sample will do.
      console.debug('stats sample failed', error);
    }
  }

  private _delta(key: string, bytes: number, frames: number, packets: number, lost: number, at: number) {
    const prev = this._counters.get(key);
    this._counters.set(key, { bytes, frames, packets, lost, at });
    if (!prev || at <= prev.at || bytes < prev.bytes) return { kbps: 0, fps: 0, packets: 0, lost: 0 };
    const seconds = (at - prev.at) / 1000;
    return {
      kbps: Math.round(((bytes - prev.bytes) * 8) / 1000 / seconds),
      fps: Math.round(Math.max(0, frames - prev.frames) / seconds),
      packets: Math.max(0, packets - prev.packets),
      lost: Math.max(0, lost - prev.lost),
    };
  }
}

function effectsOf(mirror: boolean, beauty: number) {
  return { mirror, beauty: beauty > 0 ? { strength: Math.min(1, beauty / 100) } : null };
}

function streamTypeOf(stream: unknown): string {
  const s = stream as { getType?: () => string };
  return typeof s?.getType === 'function' ? s.getType() : 'main';
}

function bannedMessage(reason: 'kick' | 'banned' | 'room-disband', message: string): string {
  switch (reason) {
    case 'kick':
      return `You were removed from the room: the same name joined from another tab or device${message ? ` (${message})` : ''}.`;
    case 'banned':
      return `You were removed from the room by its administrator${message ? `: ${message}` : '.'}`;
    case 'room-disband':
      return `The room was closed${message ? `: ${message}` : '.'}`;
  }
}
