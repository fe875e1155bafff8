/**
 * Assembles room-server: HTTP + WebSocket on one port, rooms, auth, the
 * ion-sfu link factory and metrics. {@link startRoomServer} is the
 * programmatic entry point (tests, the e2e harness, main.ts).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Authenticator } from './auth/authenticator.js';
import { systemClock, type UnixClock } from './auth/usersig.js';
import { resolveConfig, type RoomServerConfig, type RoomServerConfigInput } from './config.js';
import { createHttpHandler } from './http/http-handler.js';
import { createLogger, type Logger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { ClientConnection } from './rpc/client-connection.js';
import { BanList } from './rooms/ban-list.js';
import { RoomRegistry } from './rooms/room-registry.js';
import type { SessionContext } from './session/peer-session.js';
import { RoutedSfuLink } from './sfu/routed-sfu-link.js';
import type { SfuLinkFactory } from './sfu/sfu-link.js';
import { SfuNodePool } from './sfu/sfu-nodes.js';
import { WsSfuLink } from './sfu/ws-sfu-link.js';
import { ClusterSync } from './state/cluster-sync.js';
import { ClientEgress } from './egress/client-egress.js';
import { restrictVideoCodecs } from './rooms/sdp-codecs.js';
import { EgressManager } from './egress/egress-manager.js';
import type { WorkerLauncher } from './egress/worker-launcher.js';
import { MemoryStateStore } from './state/memory-store.js';
import { RedisStateStore } from './state/redis-store.js';
import type { RoomStateStore } from './state/room-state-store.js';

/** The WebSocket path clients connect to. */
export const RTC_PATH = '/rtc';

/** Optional seams for tests. */
export interface RoomServerDeps {
  readonly log?: Logger;
  /** UserSig and ban clock (Unix seconds). */
  readonly clock?: UnixClock;
  /** Replaces the ion-sfu WebSocket link (unit tests use a fake). */
  readonly sfuLinkFactory?: SfuLinkFactory;
  /** Replaces the store `config.state` names (tests share a MemoryStateBus between instances). */
  readonly stateStore?: RoomStateStore;
  /** Replaces the egress worker process (unit tests). */
  readonly egressLauncher?: WorkerLauncher;
}

/** A running room-server. */
export interface RunningRoomServer {
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  /** ws://host:port/rtc */
  readonly url: string;
  readonly config: RoomServerConfig;
  readonly registry: RoomRegistry;
  /** Bans of users from rooms (the admin API's), kept in the state store. */
  readonly bans: BanList;
  readonly metrics: ServerMetrics;
  /** Shared room state (in memory unless `config.state` says Redis). */
  readonly stateStore: RoomStateStore;
  /** The ion-sfu nodes and their health. */
  readonly sfuNodes: SfuNodePool;
  /** Recordings and RTMP pushes of rooms. */
  readonly egress: EgressManager;
  /** Closes every connection (and its ion-sfu link), then the listener. Idempotent. */
  close(): Promise<void>;
}

/** Starts room-server with a configuration (validated, defaults filled in). */
export async function startRoomServer(input: RoomServerConfig | RoomServerConfigInput, deps: RoomServerDeps = {}): Promise<RunningRoomServer> {
  const config = resolveConfig(input);
  const log = deps.log ?? createLogger(config.logLevel);
  const metrics = new ServerMetrics();
  const stateStore =
    deps.stateStore ??
    (config.state.kind === 'redis'
      ? new RedisStateStore({ ...config.state, log })
      : new MemoryStateStore());
  const clock = deps.clock ?? systemClock;
  const sync = new ClusterSync(stateStore, log.child({ component: 'state' }), {
    onJoinRecorded: (room, member) => void bans.recheck(room, member),
  });
  const registry = new RoomRegistry({ maxRooms: config.limits.maxRooms, maxPeersPerRoom: config.limits.maxPeersPerRoom }, sync.createRoom);
  const bans = new BanList(stateStore, registry, clock, metrics, log.child({ component: 'bans' }));
  const connections = new Set<ClientConnection>();
  const sfuLog = log.child({ component: 'sfu' });
  const sfuNodes = new SfuNodePool(config.sfuNodes, { ...config.sfuHealthCheck, log: sfuLog });
  const sfuLinkFactory: SfuLinkFactory =
    deps.sfuLinkFactory ??
    ((sessionId) =>
      new RoutedSfuLink(
        () => sfuNodes.pick(sessionId, stateStore),
        (node) =>
          new WsSfuLink({
            url: node.url,
            connectTimeoutMs: config.limits.sfuConnectTimeoutMs,
            requestTimeoutMs: config.limits.sfuRequestTimeoutMs,
            log: sfuLog,
            onUpstreamError: (kind) => {
              metrics.upstreamErrors.inc({ kind });
              if (kind === 'connect' || kind === 'closed') sfuNodes.reportFailure(node.id);
            },
          }),
      ));
  try {
    await sync.start(registry);
  } catch (err) {
    // Unreachable Redis at start-up: fail now, and leave no client retrying in the background.
    await stateStore.close({ graceful: false });
    throw err;
  }
  sfuNodes.start();
  const ctx: SessionContext = {
    registry,
    auth: new Authenticator(config.apps, clock),
    sfuLinkFactory,
    metrics,
    log: log.child({ component: 'session' }),
    heartbeatIntervalMs: config.heartbeat.intervalMs,
    reconnectGraceMs: config.limits.reconnectGraceMs,
    bans,
    ...(config.publishVideoCodecs.length > 0
      ? { rewritePublisherOffer: (sdp: string) => restrictVideoCodecs(sdp, config.publishVideoCodecs) }
      : {}),
    // The manager's hidden sessions share this context, so the handler is bound once both exist.
    egress: { handle: (method, params, caller) => clientEgress.handle(method, params, caller) },
  };
  const egress = new EgressManager({
    config: config.egress,
    registry,
    sessionContext: ctx,
    metrics,
    log: log.child({ component: 'egress' }),
    ...(deps.egressLauncher ? { launch: deps.egressLauncher } : {}),
  });
  const clientEgress = new ClientEgress(egress, log.child({ component: 'egress' }));
  metrics.addGauge('roomserver_rooms', 'Rooms with at least one peer.', () => registry.roomCount);
  metrics.addGauge('roomserver_peers', 'Peers in rooms.', () => registry.peerCount);
  metrics.addGauge('roomserver_sfu_nodes_healthy', 'ion-sfu nodes that passed their last health check.', () => config.sfuNodes.filter((n) => sfuNodes.isHealthy(n.id)).length);
  metrics.addGauge('roomserver_connections', 'Open client WebSocket connections.', () => connections.size);
  metrics.addGauge('roomserver_process_resident_memory_bytes', 'Resident set size of the process.', () => process.memoryUsage.rss());
  metrics.addGauge('roomserver_process_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed);

  const httpServer = createServer(createHttpHandler({ config, registry, bans, metrics, log: log.child({ component: 'http' }), clock: deps.clock, connectionCount: () => connections.size, egress }));
  // Slowloris guard: a request must arrive within these.
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxMessageBytes, perMessageDeflate: false });
  const allowed = new Set(config.allowedOrigins);

  const refuseUpgrade = (socket: Duplex, status: number, text: string, reason: string): void => {
    metrics.connectionsRefused.inc({ reason });
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://room-server').pathname;
    if (path !== RTC_PATH) return refuseUpgrade(socket, 404, 'Not Found', 'path');
    const origin = req.headers.origin;
    if (allowed.size > 0 && (origin === undefined || !allowed.has(origin))) {
      log.info('websocket refused: origin', { origin });
      return refuseUpgrade(socket, 403, 'Forbidden', 'origin');
    }
    if (connections.size >= config.limits.maxConnections) return refuseUpgrade(socket, 503, 'Service Unavailable', 'capacity');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const connection = new ClientConnection(ws, ctx, config.limits, config.heartbeat, (c) => connections.delete(c));
      connections.add(connection);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      sfuNodes.stop();
      void stateStore.close();
      reject(err);
    };
    httpServer.once('error', onError);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', onError);
      resolve();
    });
  });
  httpServer.on('error', (err) => log.error('http server error', { error: err.message }));
  const port = (httpServer.address() as AddressInfo).port;
  log.info('room-server listening', {
    host: config.host,
    port,
    sfuNodes: config.sfuNodes.map((n) => `${n.id}=${n.url}`),
    state: config.state.kind,
    instanceId: stateStore.instanceId,
    devMode: config.devMode,
    staticDir: config.staticDir,
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Egresses first: their workers finish their files while the ion-sfu links still stand.
      await egress.close();
      clientEgress.dispose();
      for (const connection of [...connections]) connection.shutdown();
      wss.close();
      httpServer.closeIdleConnections();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        // Sockets still open after a grace period (e.g. a client that ignores close frames) are cut.
        setTimeout(() => {
          for (const client of wss.clients) client.terminate();
          httpServer.closeAllConnections();
        }, 2000).unref();
      });
      sfuNodes.stop();
      // After the connections: their leaves are recorded before the store goes.
      await stateStore.close({ graceful: true });
      log.info('room-server stopped');
    })();
    return closing;
  };

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return { port, url: `ws://${host}:${port}${RTC_PATH}`, config, registry, bans, metrics, stateStore, sfuNodes, egress, close };
}
