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
 * Impairments apply to each datagram (RTP, RTCP, STUN, DTLS alike), separately
 * per direction — `up` (page → ion-sfu) and `down` (ion-sfu → page), each with
 * its own random state — and change while running: the relay re-reads a small
 * JSON control file. A datagram is dropped when an outage is on, else when the
 * burst model drops it, else with the uniform loss probability; survivors are
 * delayed. The relay counts forwarded and dropped datagrams per direction and
 * cause, and runs of consecutive drops.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startProcess, stopProcess, type TrackedProcess } from './processes.js';
import type { Stack } from './stack.js';

/** The relay's address inside the namespace (on its `lo`, so never gathered as a candidate). */
export const RELAY_ADDRESS = '10.214.0.1';

/**
 * Bursty loss, as a Gilbert–Elliott two-state chain per direction: in the
 * *good* state nothing is lost, in the *bad* state (a burst) each datagram is
 * lost with `lossInBurst`. Both states last a geometric number of datagrams.
 */
export interface BurstLoss {
  /** Long-run fraction of datagrams lost by the model, 0–1. */
  lossRate: number;
  /** Mean length of a burst (the bad state), in datagrams of that direction. */
  meanBurstPackets: number;
  /** Loss probability inside a burst; 1 (default) makes every burst one run of drops. */
  lossInBurst?: number;
}

/** The per-datagram transition and loss probabilities of a {@link BurstLoss}. */
export interface GilbertElliottChain {
  /** P(good → bad) per datagram. */
  enterBurst: number;
  /** P(bad → good) per datagram: 1 / mean burst length. */
  leaveBurst: number;
  /** Loss probability in the bad state. */
  lossInBurst: number;
}

/**
 * The chain with `lossRate` and `meanBurstPackets`: the bad state's share is
 * π = lossRate / lossInBurst = enter / (enter + leave), its mean stay 1 / leave.
 */
export function gilbertElliottChain({ lossRate, meanBurstPackets, lossInBurst = 1 }: BurstLoss): GilbertElliottChain {
  if (!(meanBurstPackets >= 1)) throw new Error(`meanBurstPackets must be ≥ 1, got ${meanBurstPackets}`);
  if (!(lossInBurst > 0 && lossInBurst <= 1)) throw new Error(`lossInBurst must be in (0, 1], got ${lossInBurst}`);
  const badShare = lossRate / lossInBurst;
  if (!(badShare >= 0 && badShare < 1)) throw new Error(`lossRate must be in [0, lossInBurst), got ${lossRate}`);
  const leaveBurst = 1 / meanBurstPackets;
  return { enterBurst: (leaveBurst * badShare) / (1 - badShare), leaveBurst, lossInBurst };
}

/** What the relay does to each datagram from now on (all off when omitted). */
export interface Impairment {
  /** Uniform loss probability, 0–1, on top of the burst model. */
  loss?: number;
  /** Delay of every forwarded datagram, ms one way. */
  delayMs?: number;
  /** Bursty loss (Gilbert–Elliott). */
  burst?: BurstLoss;
}

/** Counters of one direction. */
export interface DirectionCounters {
  forwarded: number;
  /** Dropped by the uniform loss. */
  droppedRandom: number;
  /** Dropped by the burst model. */
  droppedBurst: number;
  /** Dropped during an outage. */
  droppedOutage: number;
  /** Runs of consecutive drops (any cause); dropped / runs is the mean run length. */
  lossRuns: number;
}

/** The relay's counters: `up` is page → ion-sfu, `down` ion-sfu → page. */
export interface RelayCounters {
  up: DirectionCounters;
  down: DirectionCounters;
}

/** A finished or running outage, wall-clock times (`Date.now()`, same clock as the pages'). */
export interface Outage {
  /** When the relay started dropping everything. */
  startedAt: number;
  /** When it stops (planned). */
  endsAt: number;
  /** Resolves when the relay has stopped dropping, with the counters of the outage. */
  ended: Promise<{ endedAt: number; counters: RelayCounters }>;
}

const RELAY = `
const dgram = require('node:dgram');
const fs = require('node:fs');
const [relayIp, sfuIp, minPort, maxPort, controlFile] = process.argv.slice(1);
let control = {};
let outageUntil = 0;
let lastOutageId = 0;
const direction = () => ({
  inBurst: false, lastDropped: false,
  counters: { forwarded: 0, droppedRandom: 0, droppedBurst: 0, droppedOutage: 0, lossRuns: 0 },
});
const up = direction();
const down = direction();
const snapshot = () => JSON.stringify({ up: up.counters, down: down.counters });
const readControl = () => {
  try { control = JSON.parse(fs.readFileSync(controlFile, 'utf8')); } catch { return; }
  console.log('impairment ' + JSON.stringify(control) + ' counters ' + snapshot());
  const outage = control.outage;
  if (outage && outage.id !== lastOutageId) {
    lastOutageId = outage.id;
    const now = Date.now();
    outageUntil = now + outage.durationMs;
    console.log('outage ' + outage.id + ' start ' + now + ' until ' + outageUntil);
    setTimeout(() => console.log('outage ' + outage.id + ' end ' + Date.now() + ' counters ' + snapshot()), outage.durationMs);
  }
};
readControl();
fs.watchFile(controlFile, { interval: 100 }, readControl);
// Drops (and counts) or forwards one datagram of direction d.
const pass = (d, send) => {
  const c = d.counters;
  let dropped = null;
  if (Date.now() < outageUntil) dropped = 'droppedOutage';
  const burst = control.burst;
  if (burst) {
    // The state of this datagram decides its fate; then the chain moves on.
    if (!dropped && d.inBurst && Math.random() < burst.lossInBurst) dropped = 'droppedBurst';
    d.inBurst = d.inBurst ? Math.random() >= burst.leaveBurst : Math.random() < burst.enterBurst;
  } else {
    d.inBurst = false;
  }
  if (!dropped && Math.random() < (control.loss || 0)) dropped = 'droppedRandom';
  if (dropped) {
    c[dropped]++;
    if (!d.lastDropped) c.lossRuns++;
    d.lastDropped = true;
    return;
  }
  d.lastDropped = false;
  c.forwarded++;
  if (control.delayMs > 0) setTimeout(send, control.delayMs); else send();
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
      back.on('message', (reply) => pass(down, () => front.send(reply, from.port, from.address)));
      back.on('error', () => {});
      back.bind(0, sfuIp);
      backs.set(key, back);
    }
    pass(up, () => back.send(msg, port, sfuIp));
  });
  front.on('error', (e) => console.log('port ' + port + ' ' + e.code));
  front.bind(port, relayIp, () => { if (++bound === total) console.log('relaying ' + total + ' ports'); });
}
setInterval(() => console.log('counters ' + snapshot()), 5000);
process.on('SIGTERM', () => process.exit(0));
`;

/** A running relay. */
export interface LossyRelay {
  readonly address: string;
  readonly process: TrackedProcess;
  /**
   * Replaces the impairment for every datagram from now on (`{}` = none).
   * Resolves once the relay applies it, with its counters at that moment.
   */
  impair(settings: Impairment): Promise<RelayCounters>;
  /**
   * Drops everything, both directions, for `durationMs`; then the current
   * impairment applies again (an `impair()` meanwhile changes what applies after).
   * Resolves when the outage has started.
   */
  outage(durationMs: number): Promise<Outage>;
  stop(): Promise<void>;
}

/** Counters accumulated between two snapshots. */
export function countersBetween(before: RelayCounters, after: RelayCounters): RelayCounters {
  const diff = (a: DirectionCounters, b: DirectionCounters): DirectionCounters => ({
    forwarded: b.forwarded - a.forwarded,
    droppedRandom: b.droppedRandom - a.droppedRandom,
    droppedBurst: b.droppedBurst - a.droppedBurst,
    droppedOutage: b.droppedOutage - a.droppedOutage,
    lossRuns: b.lossRuns - a.lossRuns,
  });
  return { up: diff(before.up, after.up), down: diff(before.down, after.down) };
}

/** Starts the relay in the stack's namespace (needs one: not on the host fallback). */
export async function startLossyRelay(stack: Stack, portRange: [number, number] = [50000, 50200]): Promise<LossyRelay> {
  const { namespace, mediaAddress } = stack.network;
  if (!namespace || !mediaAddress) throw new Error('the lossy relay needs the test namespace');
  execFileSync('ip', ['-n', namespace, 'addr', 'add', `${RELAY_ADDRESS}/32`, 'dev', 'lo']);
  const controlFile = join(stack.logDir, 'lossy-relay.json');
  writeFileSync(controlFile, JSON.stringify({}));
  const cmd = stack.network.wrap(process.execPath, [
    '-e', RELAY, RELAY_ADDRESS, mediaAddress, String(portRange[0]), String(portRange[1]), controlFile,
  ]);
  const proc = startProcess('lossy-relay', cmd.command, cmd.args, { logDir: stack.logDir });
  await proc.waitForOutput(/relaying \d+ ports/, 20000);
  let version = 0;
  let outageId = 0;
  let current: Record<string, unknown> = {};
  // Writes the control file and waits for the relay to log it; returns its counters then.
  const apply = async (control: Record<string, unknown>): Promise<RelayCounters> => {
    const settings = { ...control, version: ++version };
    writeFileSync(controlFile, JSON.stringify(settings));
    const line = await proc.waitForOutput(new RegExp(`impairment \\{.*"version":${version}\\} counters \\{.*\\}\\n`), 10000);
    return JSON.parse(/ counters (\{.*\})/.exec(line)![1]);
  };
  return {
    address: RELAY_ADDRESS,
    process: proc,
    impair({ loss = 0, delayMs = 0, burst }) {
      current = { loss, delayMs, ...(burst ? { burst: gilbertElliottChain(burst) } : {}) };
      return apply(current);
    },
    async outage(durationMs) {
      const id = ++outageId;
      const atStart = await apply({ ...current, outage: { id, durationMs } });
      const start = await proc.waitForOutput(new RegExp(`outage ${id} start (\\d+) until (\\d+)`), 10000);
      const [, startedAt, endsAt] = / start (\d+) until (\d+)/.exec(start)!.map(Number);
      const ended = proc
        .waitForOutput(new RegExp(`outage ${id} end \\d+ counters \\{.*\\}\\n`), durationMs + 10000)
        .then((line) => {
          const [, endedAt, counters] = / end (\d+) counters (\{.*\})/.exec(line)!;
          return { endedAt: Number(endedAt), counters: countersBetween(atStart, JSON.parse(counters)) };
        });
      // A test that fails before awaiting it must not leave an unhandled rejection.
      ended.catch(() => undefined);
      return { startedAt, endsAt, ended };
    },
    stop: () => stopProcess(proc, 1000),
  };
}
