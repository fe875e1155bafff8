/**
 * The whole system under test: ion-sfu and room-server started inside the
 * test network, ready when their ports answer, stopped by PID afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createTestNetwork, type TestNetwork } from './netns.js';
import { startProcess, stopProcess, type TrackedProcess } from './processes.js';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The sdkAppId of the first app in config/room-server.json (test UserSigs come from its /dev/usersig). */
export function devSdkAppId(): number {
  const config = JSON.parse(readFileSync(join(ROOT, 'config/room-server.json'), 'utf8'));
  return Number(config.apps[0].sdkAppId);
}

/** A running stack: where to reach it and how to stop it. */
export interface Stack {
  readonly network: TestNetwork;
  /** http://127.0.0.1:<port> as seen from inside the network (Chromium's view). */
  readonly httpUrl: string;
  /** ws://127.0.0.1:<port>/rtc, room-server's signaling endpoint. */
  readonly signalUrl: string;
  readonly sfuPort: number;
  readonly sfu: TrackedProcess;
  readonly roomServer: TrackedProcess;
  readonly logDir: string;
  /** Runs a Node snippet inside the network (to reach 127.0.0.1 there); resolves with its stdout. */
  runInNetwork(script: string, args?: string[]): Promise<string>;
  /** Stops ion-sfu (SIGKILL when `hard`) so tests can check recovery. */
  stopSfu(hard?: boolean): Promise<void>;
  /** Starts ion-sfu again on the same port. */
  restartSfu(): Promise<void>;
  /** Stops room-server and starts it again on the same port. */
  restartRoomServer(): Promise<void>;
  /** Stops everything by PID, then deletes the namespace. */
  stop(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Extra environment for room-server (e.g. limits). */
  roomServerEnv?: Record<string, string>;
  /** Name for the log folder under .harness/. */
  label?: string;
  /** ion-sfu's config file (default config/ion-sfu.toml). */
  sfuConfig?: string;
  /** room-server's config file (default config/room-server.json). */
  roomServerConfig?: string;
  /** Give the namespace a gateway-less default route over the veth (Firefox needs one to gather ICE candidates). */
  defaultRoute?: boolean;
}

function ionSfuBinary(): string {
  const candidates = [process.env['ION_SFU_BIN'], join(ROOT, 'bin/ion-sfu')];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error('ion-sfu is not installed: run `npm test` (it installs bin/ion-sfu)');
  return found;
}

async function freeHostPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const PROBE = `
const [url, deadline] = [process.argv[1], Date.now() + Number(process.argv[2])];
const net = require('node:net');
const { hostname, port } = new URL(url);
(function attempt() {
  const socket = net.connect(Number(port), hostname, () => { socket.end(); process.exit(0); });
  socket.on('error', () => Date.now() > deadline ? process.exit(1) : setTimeout(attempt, 100));
})();`;

/** Starts ion-sfu and room-server in a fresh test network. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const network = createTestNetwork({ defaultRoute: options.defaultRoute });
  const inNamespace = network.namespace !== null;
  const httpPort = inNamespace ? 8080 : await freeHostPort();
  const sfuPort = inNamespace ? 7000 : await freeHostPort();
  const metricsPort = inNamespace ? 8100 : await freeHostPort();
  const logDir = join(ROOT, '.harness', `${options.label ?? 'stack'}-${network.namespace ?? `host-${process.pid}`}`);
  mkdirSync(logDir, { recursive: true });

  const runInNetwork = (script: string, args: string[] = []) =>
    new Promise<string>((resolveRun, reject) => {
      const wrapped = network.wrap(process.execPath, ['-e', script, ...args]);
      const child = spawn(wrapped.command, wrapped.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      child.once('exit', (code) => (code === 0 ? resolveRun(out) : reject(new Error(`exit ${code}: ${err || out}`))));
    });
  const waitForPort = (port: number, timeoutMs = 20000) =>
    runInNetwork(PROBE, [`tcp://127.0.0.1:${port}`, String(timeoutMs)]);

  const startSfu = () => {
    const sfuCmd = network.wrap(ionSfuBinary(), [
      '-c', options.sfuConfig ?? join(ROOT, 'config/ion-sfu.toml'),
      '-a', `127.0.0.1:${sfuPort}`,
      '-m', `127.0.0.1:${metricsPort}`,
    ]);
    return startProcess('ion-sfu', sfuCmd.command, sfuCmd.args, { logDir, cwd: ROOT });
  };
  const startRoomServer = () => {
    const cmd = network.wrap(process.execPath, [
      join(ROOT, 'dist/room-server/main.js'),
      '--config', options.roomServerConfig ?? join(ROOT, 'config/room-server.json'),
      '--dev',
    ]);
    return startProcess('room-server', cmd.command, cmd.args, {
      logDir,
      cwd: ROOT,
      env: {
        ...process.env,
        ROOM_SERVER_HOST: '127.0.0.1',
        ROOM_SERVER_PORT: String(httpPort),
        ROOM_SERVER_SFU_URL: `ws://127.0.0.1:${sfuPort}/ws`,
        ROOM_SERVER_STATIC_DIR: join(ROOT, 'dist/conference/browser'),
        ROOM_SERVER_LOG_LEVEL: process.env['ROOM_SERVER_LOG_LEVEL'] ?? 'info',
        ...options.roomServerEnv,
      },
    });
  };

  let sfu: TrackedProcess | undefined;
  let roomServer: TrackedProcess | undefined;
  const stop = async () => {
    await Promise.all([roomServer, sfu].filter((p): p is TrackedProcess => !!p).map((p) => stopProcess(p)));
    network.destroy();
  };

  try {
    sfu = startSfu();
    await waitForPort(sfuPort);
    roomServer = startRoomServer();
    await waitForPort(httpPort);
  } catch (error) {
    await stop();
    throw error;
  }

  const stack: Stack = {
    network,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    signalUrl: `ws://127.0.0.1:${httpPort}/rtc`,
    sfuPort,
    get sfu() {
      return sfu!;
    },
    get roomServer() {
      return roomServer!;
    },
    logDir,
    runInNetwork,
    async stopSfu(hard = false) {
      await stopProcess(sfu!, hard ? 0 : 3000);
    },
    async restartSfu() {
      await stopProcess(sfu!);
      sfu = startSfu();
      await waitForPort(sfuPort);
    },
    async restartRoomServer() {
      await stopProcess(roomServer!);
      roomServer = startRoomServer();
      await waitForPort(httpPort);
    },
    stop,
  };
  return stack;
}
