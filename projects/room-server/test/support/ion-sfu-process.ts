/**
 * Runs the real ion-sfu (json-rpc signal) for integration tests and the
 * benchmark: on loopback, on free ports, with a config of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { freePort, startLoopbackServer } from './server-process.js';

export { freePort } from './server-process.js';

/** Where the ion-sfu binary is looked for, in order. */
export function ionSfuCandidates(): string[] {
  return [process.env['ION_SFU_BIN'], resolve('bin/ion-sfu'), '/tmp/sfubin/json-rpc'].filter((p): p is string => !!p);
}

/** The first ion-sfu binary found, if any. */
export function findIonSfuBinary(): string | undefined {
  return ionSfuCandidates().find((p) => existsSync(p));
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
  const { child, output, stop } = await startLoopbackServer({
    name: 'ion-sfu',
    binary,
    args: ['-c', configPath, '-a', `127.0.0.1:${port}`, '-m', `127.0.0.1:${metricsPort}`],
    port,
    dir,
    readyTimeoutMs: 15_000,
    pollMs: 100,
    outputLimit: 8000,
  });
  return { url: `ws://127.0.0.1:${port}/ws`, port, child, output, stop };
}
