import { DestroyRef, Injectable, Signal, inject, signal } from '@angular/core';
import { Observable, Subject, filter, map } from 'rxjs';

import { RoomClient } from '../client/client';
import type {
  AudioVolumeSource,
  ClientConfig,
  ClientEvent,
  ClientEventMap,
  ConnectionState,
  NetworkQuality,
  RemoteMutedState,
} from '../client/client-types';
import type { PeerInfo } from '../signal/protocol';
import {
  REMOTE_STREAM_FACTORY,
  SFU_TRANSPORT_FACTORY,
  TRTC_CLOCK,
  TRTC_CONFIG,
  WEB_SOCKET_FACTORY,
} from '../provide-trtc';
import type { RemoteStream } from '../stream/remote-stream';

/** A client as the TRTC facade types it. */
export type TrtcClient = RoomClient<RemoteStream>;

/** An event of a {@link TrtcClient}. */
export type TrtcClientEvent = ClientEvent<RemoteStream, AudioVolumeSource>;

/** Events of a {@link TrtcClient}, by name. */
export type TrtcClientEventMap = ClientEventMap<RemoteStream, AudioVolumeSource>;

/** A client with its state as signals and its events as Observables. */
export interface TrtcClientRef {
  /** The TRTC client: join, publish, subscribe… */
  readonly client: TrtcClient;
  readonly connectionState: Signal<ConnectionState>;
  /** The other peers in the room. */
  readonly peers: Signal<readonly PeerInfo[]>;
  /** Remote streams announced and not removed. */
  readonly remoteStreams: Signal<readonly RemoteStream[]>;
  /** `getRemoteMutedState()`, kept current. */
  readonly mutedStates: Signal<readonly RemoteMutedState[]>;
  /** The last `network-quality`, or null. */
  readonly networkQuality: Signal<NetworkQuality | null>;
  /** Every event, as a discriminated union on `type`. */
  readonly events$: Observable<TrtcClientEvent>;
  /** The payloads of one event type. */
  on$<K extends keyof TrtcClientEventMap>(type: K): Observable<TrtcClientEventMap[K]>;
  /** Leaves, destroys the client and completes the Observables. */
  destroy(): void;
}

const PERIODIC = new Set<string>(['audio-volume', 'network-quality', 'active-speakers']);

/**
 * Creates TRTC clients from DI (provideTrtc's server URL, retry policy,
 * timeouts, and the seams tests replace) and tracks them: per client,
 * signals of the room's state and Observables of its events. Every client
 * is destroyed with the injector.
 */
@Injectable({ providedIn: 'root' })
export class TrtcClientService {
  private readonly _config = inject(TRTC_CONFIG);
  private readonly _webSocketFactory = inject(WEB_SOCKET_FACTORY);
  private readonly _transportFactory = inject(SFU_TRANSPORT_FACTORY);
  private readonly _remoteStreamFactory = inject(REMOTE_STREAM_FACTORY);
  private readonly _clock = inject(TRTC_CLOCK);
  private readonly _refs = new Map<TrtcClient, TrtcClientRef>();
  private readonly _clients = signal<readonly TrtcClientRef[]>([]);

  /** Every live client. */
  readonly clients = this._clients.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      for (const ref of [...this._refs.values()]) ref.destroy();
    });
  }

  /** Creates a client (as `TRTC.createClient`) and starts tracking it. */
  createClient(config: ClientConfig): TrtcClientRef {
    const effective: ClientConfig = { ...config, sdkAppId: config.sdkAppId ?? this._config.sdkAppId ?? config.sdkAppId };
    const client = new RoomClient<RemoteStream>(effective, {
      serverUrl: config.serverUrl ?? this._config.serverUrl,
      webSocketFactory: this._webSocketFactory,
      transportFactory: this._transportFactory,
      remoteStreamFactory: this._remoteStreamFactory,
      clock: this._clock,
      retryPolicy: this._config.retryPolicy,
      timeouts: this._config.timeouts,
      rtcConfiguration: { iceServers: this._config.iceServers },
    });
    const ref = this._track(client);
    this._refs.set(client, ref);
    this._clients.update((list) => [...list, ref]);
    return ref;
  }

  /** The ref of a client created here. */
  refOf(client: TrtcClient): TrtcClientRef | undefined {
    return this._refs.get(client);
  }

  private _track(client: TrtcClient): TrtcClientRef {
    const connectionState = signal<ConnectionState>(client.connectionState);
    const peers = signal<readonly PeerInfo[]>([]);
    const remoteStreams = signal<readonly RemoteStream[]>([]);
    const mutedStates = signal<readonly RemoteMutedState[]>([]);
    const networkQuality = signal<NetworkQuality | null>(null);
    const events = new Subject<TrtcClientEvent>();
    const refresh = () => {
      connectionState.set(client.connectionState);
      peers.set(client.getPeers());
      remoteStreams.set(client.getRemoteStreams());
      mutedStates.set(client.getRemoteMutedState());
    };
    const stop = client.onEvent((event) => {
      if (event.type === 'network-quality') networkQuality.set(event.data);
      if (!PERIODIC.has(event.type)) refresh();
      events.next(event);
    });
    const events$ = events.asObservable();
    let destroyed = false;
    const ref: TrtcClientRef = {
      client,
      connectionState: connectionState.asReadonly(),
      peers: peers.asReadonly(),
      remoteStreams: remoteStreams.asReadonly(),
      mutedStates: mutedStates.asReadonly(),
      networkQuality: networkQuality.asReadonly(),
      events$,
      on$: <K extends keyof TrtcClientEventMap>(type: K) =>
        events$.pipe(
          filter((e): e is Extract<TrtcClientEvent, { type: K }> => e.type === type),
          map((e) => e.data as TrtcClientEventMap[K]),
        ),
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        client.destroy();
        stop();
        refresh();
        connectionState.set('DISCONNECTED');
        events.complete();
        this._refs.delete(client);
        this._clients.update((list) => list.filter((r) => r !== ref));
      },
    };
    return ref;
  }
}
