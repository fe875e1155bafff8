/**
 * Runs the real ion-sfu (json-rpc signal) for integration tests and the
 * benchmark: on loopback, on free ports, with a config of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where the ion-sfu binary is looked for, in order. */
export function ionSfuCandidates(): string[] {
  return [process.env['ION_SFU_BIN'], resolve('bin/ion-sfu'), '/tmp/sfubin/json-rpc'].filter((p): p is string => !!p);
}

/** The first ion-sfu binary found, if any. */
export function findIonSfuBinary(): string | undefined {
  return ionSfuCandidates().find((p) => existsSync(p));
}

/** A free TCP port on 127.0.0.1 (probed by listening on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

/** A running ion-sfu. */
export interface IonSfuProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Recent output, for failure messages. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its config. */
  stop(): Promise<void>;
}

const CONFIG = (portMin: number, portMax: number) => `
[sfu]
ballast = 0
withstats = false
[router]
maxbandwidth = 1500
maxpackettrack = 500
audiolevelthreshold = 40
audiolevelinterval = 1000
audiolevelfilter = 20
[router.simulcast]
bestqualityfirst = true
enabletemporallayer = false
[webrtc]
portrange = [${portMin}, ${portMax}]
sdpsemantics = "unified-plan"
mdns = false
[webrtc.candidates]
[webrtc.timeouts]
disconnected = 5
failed = 25
keepalive = 2
[turn]
enabled = false
[log]
v = 0
`;

/** Starts ion-sfu on free loopback ports; resolves once its signaling port accepts connections. */
export async function startIonSfu(binary: string, options: { udpPortMin?: number; udpPortMax?: number } = {}): Promise<IonSfuProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ion-sfu-test-'));
  const configPath = join(dir, 'sfu.toml');
  // Media ports apart from the ones a dev ion-sfu (config/ion-sfu.toml) uses.
  writeFileSync(configPath, CONFIG(options.udpPortMin ?? 50300, options.udpPortMax ?? 50500));
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(binary, ['-c', configPath, '-a', `127.0.0.1:${port}`, '-m', `127.0.0.1:${metricsPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`ion-sfu did not start (exit ${child.exitCode}): ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `ws://127.0.0.1:${port}/ws`, port, child, output: () => log, stop };
}
