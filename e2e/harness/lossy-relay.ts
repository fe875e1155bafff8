/**
 * A lossy, delaying UDP relay in front of ion-sfu's media ports, inside the
 * test namespace: this kernel has no tc netem, and Chromium's DevTools
 * network emulation does not touch WebRTC's UDP (checked: no loss in
 * inbound-rtp stats with it), so the media path is impaired here instead.
 *
 * The relay listens on every ion-sfu media port (config/ion-sfu.toml
 * `portrange`) at an extra namespace address on `lo` (`RELAY_ADDRESS`, which
 * neither Chromium nor ion-sfu gathers as a candidate) and forwards to the same
 * port at the namespace's media address. A page opts in with
 * `e2e.routeMediaThrough(mediaAddress, RELAY_ADDRESS)` (e2e/pages/reliability.ts):
 * it rewrites ion-sfu's candidates to the relay and keeps its own candidates
 * to itself, so ion-sfu only learns the relay's address (peer-reflexive).
 *
 * Loss and delay apply to each datagram in both directions and change while
 * running: the relay re-reads a small JSON control file.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startProcess, stopProcess, type TrackedProcess } from './processes.js';
import type { Stack } from './stack.js';

/** The relay's address inside the namespace (on its `lo`, so never gathered as a candidate). */
export const RELAY_ADDRESS = '10.214.0.1';

const RELAY = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const [relayIp, sfuIp, minPort, maxPort, controlFile] = process.argv.slice(1);
let impairment = { loss: 0, delayMs: 0 };
const counters = { forwarded: 0, dropped: 0 };
const readControl = () => { try { impairment = JSON.parse(fs.readFileSync(controlFile, 'utf8')); } catch {} };
readControl();
fs.watchFile(controlFile, { interval: 100 }, () => { readControl(); console.log('impairment ' + JSON.stringify(impairment)); });
const pass = (send) => {
  if (Math.random() < impairment.loss) { counters.dropped++; return; }
  counters.forwarded++;
  if (impairment.delayMs > 0) setTimeout(send, impairment.delayMs); else send();
};
let bound = 0;
const total = Number(maxPort) - Number(minPort) + 1;
for (let port = Number(minPort); port <= Number(maxPort); port++) {
  const front = dgram.createSocket('udp4');
  const backs = new Map();
  front.on('message', (msg, from) => {
    const key = from.address + ':' + from.port;
    let back = backs.get(key);
    if (!back) {
      back = dgram.createSocket('udp4');
      back.on('message', (reply) => pass(() => front.send(reply, from.port, from.address)));
      back.on('error', () => {});
      back.bind(0, sfuIp);
      backs.set(key, back);
    }
    pass(() => back.send(msg, port, sfuIp));
  });
  front.on('error', (e) => console.log('port ' + port + ' ' + e.code));
  front.bind(port, relayIp, () => { if (++bound === total) console.log('relaying ' + total + ' ports'); });
}
setInterval(() => console.log('counters ' + JSON.stringify(counters)), 5000);
process.on('SIGTERM', () => process.exit(0));
`;

/** A running relay. */
export interface LossyRelay {
  readonly address: string;
  readonly process: TrackedProcess;
  /** Sets loss (0–1) and delay (ms, one way) for every datagram from now on. */
  impair(settings: { loss?: number; delayMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the relay in the stack's namespace (needs one: not on the host fallback). */
export async function startLossyRelay(stack: Stack, portRange: [number, number] = [50000, 50200]): Promise<LossyRelay> {
  const { namespace, mediaAddress } = stack.network;
  if (!namespace || !mediaAddress) throw new Error('the lossy relay needs the test namespace');
  execFileSync('ip', ['-n', namespace, 'addr', 'add', `${RELAY_ADDRESS}/32`, 'dev', 'lo']);
  const controlFile = join(stack.logDir, 'lossy-relay.json');
  writeFileSync(controlFile, JSON.stringify({ loss: 0, delayMs: 0 }));
  const cmd = stack.network.wrap(process.execPath, [
    '-e', RELAY, RELAY_ADDRESS, mediaAddress, String(portRange[0]), String(portRange[1]), controlFile,
  ]);
  const proc = startProcess('lossy-relay', cmd.command, cmd.args, { logDir: stack.logDir });
  await proc.waitForOutput(/relaying \d+ ports/, 20000);
  let version = 0;
  return {
    address: RELAY_ADDRESS,
    process: proc,
    async impair({ loss = 0, delayMs = 0 }) {
      const settings = { loss, delayMs, version: ++version };
      writeFileSync(controlFile, JSON.stringify(settings));
      await proc.waitForOutput(new RegExp(`impairment \\{[^}]*"version":${version}\\}`), 10000);
    },
    stop: () => stopProcess(proc, 1000),
  };
}
