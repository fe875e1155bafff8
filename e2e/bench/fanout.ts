/**
 * ion-sfu fan-out: how many 720p subscribers one ion-sfu serves at ≤ 1 %
 * loss, through room-server and bare, with subscribers that do not decode.
 *
 * A Go program of ours (e2e/bench/fanout, pion) publishes a pre-encoded VP8
 * 1280×720 stream (made once with ffmpeg's libvpx from a test pattern) and
 * runs subscribers that only count RTP packets (sequence gaps after NACK
 * repair = loss). Browsers decoding on the same two cores run out long before
 * ion-sfu does (capacity.ts stops at 12); this measures ion-sfu itself.
 *
 * Each mode gets a fresh stack in the harness's namespace. ion-sfu runs with
 * the shipped config but a wider UDP port range: config/ion-sfu.toml's
 * 50000–50200 gives one port per peer connection and every participant has
 * two, so it caps a node at about 100 participants before any CPU limit.
 *
 *   node --import tsx e2e/bench/fanout.ts [--quick] [--max 400] [--seconds 10]
 * (also a section of `npm run bench`). Writes e2e/bench/FANOUT-LAST-RUN.md.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { generateUserSig } from '../../projects/room-server/src/auth/usersig.js';
import { ROOT, startStack, type Stack } from '../harness/stack.js';
import { processCpuSeconds } from './machine.js';

/** One step of a ramp. */
export interface FanoutStep {
  subscribers: number;
  /** Subscribers whose video track delivered packets in the window. */
  receiving: number;
  lossPct: number;
  /** Megabits per second ion-sfu sent to all subscribers (RTP payload + header, as received). */
  egressMbps: number;
  /** CPU, % of one core, over the window. */
  sfuCpuPct: number;
  roomServerCpuPct: number;
  clientCpuPct: number;
  held: boolean;
  note?: string;
}

/** The ramp of one signaling mode. */
export interface FanoutRamp {
  mode: 'room-server' | 'bare ion-sfu';
  steps: FanoutStep[];
  held: number;
  limitFound: boolean;
  /** Median time from `subscribe` to signaled (room.join + ion-sfu join answered), ms. */
  signalMedianMs: number;
}

/** What the bench found. */
export interface FanoutResult {
  ramps: FanoutRamp[];
  max: number;
  seconds: number;
  publisherKbps: number;
  criteria: string;
  /** Load average at start and end. */
  load: { start: number; end: number };
}

const MAX_LOSS_PCT = 1;
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface ToolReply {
  op?: string;
  ok?: boolean;
  error?: string;
  userId?: string;
  signalMs?: number;
  packets?: number;
  expected?: number;
  bytes?: number;
  duplicates?: number;
  tracks?: number;
  connected?: number;
  failed?: number;
}

/** The Go peers, one process, driven over stdin/stdout JSON lines. */
class FanoutTool {
  private readonly _waiters: Array<(r: ToolReply) => boolean> = [];
  readonly signalMs: number[] = [];
  readonly errors: string[] = [];

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let reply: ToolReply;
      try {
        reply = JSON.parse(line) as ToolReply;
      } catch {
        return;
      }
      if (reply.error) this.errors.push(`${reply.userId ?? ''} ${reply.error}`);
      if (reply.ok && reply.signalMs !== undefined && reply.op === 'subscribe') this.signalMs.push(reply.signalMs);
      const index = this._waiters.findIndex((w) => w(reply));
      if (index >= 0) this._waiters.splice(index, 1);
    });
    child.stderr.on('data', () => undefined);
  }

  static start(binary: string, stack: Stack, mode: FanoutRamp['mode'], sdkAppId: number): FanoutTool {
    const url = mode === 'room-server' ? stack.signalUrl : `ws://127.0.0.1:${stack.sfuPort}/ws`;
    const cmd = stack.network.wrap(binary, ['-signal', mode === 'room-server' ? 'room' : 'ion', '-url', url, '-sdk-app-id', String(sdkAppId), '-room', '4242']);
    return new FanoutTool(spawn(cmd.command, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves with the first reply `match` accepts, or rejects after `timeoutMs`. */
  next(match: (r: ToolReply) => boolean, timeoutMs: number): Promise<ToolReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this._waiters.indexOf(waiter);
        if (i >= 0) this._waiters.splice(i, 1);
        reject(new Error(`fanout tool: no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (r: ToolReply) => {
        if (!match(r)) return false;
        clearTimeout(timer);
        resolve(r);
        return true;
      };
      this._waiters.push(waiter);
    });
  }

  stats(): Promise<ToolReply> {
    const reply = this.next((r) => r.op === 'stats', 10_000);
    this.send({ op: 'stats' });
    return reply;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.exitCode === null) {
      this.send({ op: 'quit' });
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[sorted.length >> 1]! : NaN;
};

/** Builds the Go peers into `dir` (go build; modules from the Go proxy). */
function buildTool(dir: string): string {
  const binary = join(dir, 'fanout');
  execFileSync('go', ['build', '-o', binary, '.'], { cwd: join(HERE, 'fanout'), stdio: 'inherit' });
  return binary;
}

/** A 720p30 VP8 test pattern at about `kbps`, made with ffmpeg's libvpx. */
function encodeVideo(dir: string, kbps: number): string {
  const file = join(dir, '720p.ivf');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '20',
    '-c:v', 'libvpx', '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`, '-deadline', 'realtime',
    '-cpu-used', '8', '-g', '60', '-auto-alt-ref', '0', '-y', file,
  ], { stdio: 'inherit' });
  return file;
}

function benchConfigs(dir: string): { sfuConfig: string; roomServerConfig: string; sdkAppId: number; secretKey: string } {
  const sfuConfig = join(dir, 'ion-sfu.toml');
  const shipped = readFileSync(join(ROOT, 'config/ion-sfu.toml'), 'utf8');
  if (!/portrange = \[50000, 50200\]/.test(shipped)) throw new Error('config/ion-sfu.toml: portrange line not found');
  writeFileSync(sfuConfig, shipped.replace(/portrange = \[50000, 50200\]/, 'portrange = [50000, 59999]'));
  const roomConfig = JSON.parse(readFileSync(join(ROOT, 'config/room-server.json'), 'utf8')) as {
    apps: Array<{ sdkAppId: number; secretKey: string }>;
    limits: Record<string, number>;
  };
  roomConfig.limits = { ...roomConfig.limits, maxPeersPerRoom: 10_000, maxConnections: 100_000 };
  const roomServerConfig = join(dir, 'room-server.json');
  writeFileSync(roomServerConfig, JSON.stringify(roomConfig));
  return { sfuConfig, roomServerConfig, sdkAppId: roomConfig.apps[0]!.sdkAppId, secretKey: roomConfig.apps[0]!.secretKey };
}

/** The subscriber counts of a ramp up to `max`. */
export function rampSteps(max: number): number[] {
  const steps = [1, 5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 180, 210, 250, 300, 350, 400, 500, 600];
  const bounded = steps.filter((n) => n < max);
  return [...bounded, max];
}

async function ramp(
  binary: string, ivf: string, mode: FanoutRamp['mode'], options: { max: number; seconds: number; settleSeconds: number },
  configs: ReturnType<typeof benchConfigs>, log: (line: string) => void,
): Promise<FanoutRamp> {
  const stack = await startStack({
    label: `fanout-${mode === 'room-server' ? 'room' : 'bare'}`,
    sfuConfig: configs.sfuConfig,
    roomServerConfig: configs.roomServerConfig,
    roomServerEnv: { ROOM_SERVER_LOG_LEVEL: 'warn' },
  });
  const tool = FanoutTool.start(binary, stack, mode, configs.sdkAppId);
  const steps: FanoutStep[] = [];
  const sig = (userId: string) => generateUserSig({ sdkAppId: configs.sdkAppId, secretKey: configs.secretKey, userId, expireSeconds: 3600 });
  try {
    const published = tool.next((r) => r.op === 'publish', 30_000);
    tool.send({ op: 'publish', userId: 'publisher', userSig: sig('publisher'), ivf, fps: 30 });
    const pub = await published;
    if (!pub.ok) throw new Error(`publisher: ${pub.error}`);
    let count = 0;
    for (const target of rampSteps(options.max)) {
      for (; count < target; count++) tool.send({ op: 'subscribe', userId: `sub${count}`, userSig: sig(`sub${count}`) });
      // Wait until every subscriber's track delivers (or a bound), then settle.
      const deadline = Date.now() + 20_000 + target * 200;
      let stats = await tool.stats();
      while ((stats.tracks ?? 0) + (stats.failed ?? 0) < target && Date.now() < deadline) {
        await sleep(500);
        stats = await tool.stats();
      }
      await sleep(options.settleSeconds * 1000);
      await tool.stats(); // resets the window
      const cpu0 = { sfu: processCpuSeconds(stack.sfu.pid), room: processCpuSeconds(stack.roomServer.pid), tool: processCpuSeconds(tool.child.pid!) };
      const t0 = performance.now();
      await sleep(options.seconds * 1000);
      const window = await tool.stats();
      const elapsed = (performance.now() - t0) / 1000;
      const pct = (pid: number, before: number) => ((processCpuSeconds(pid) - before) / elapsed) * 100;
      const expected = window.expected ?? 0;
      const lossPct = expected > 0 ? Math.max(0, (1 - (window.packets ?? 0) / expected) * 100) : 100;
      const receiving = Math.min(window.tracks ?? 0, target);
      const held = receiving === target && lossPct <= MAX_LOSS_PCT;
      const step: FanoutStep = {
        subscribers: target,
        receiving,
        lossPct,
        egressMbps: ((window.bytes ?? 0) * 8) / elapsed / 1e6,
        sfuCpuPct: pct(stack.sfu.pid, cpu0.sfu),
        roomServerCpuPct: pct(stack.roomServer.pid, cpu0.room),
        clientCpuPct: pct(tool.child.pid!, cpu0.tool),
        held,
        ...(receiving < target ? { note: `${target - receiving} without media${stats.failed ? `, ${stats.failed} failed to signal` : ''}` } : {}),
      };
      steps.push(step);
      log(`  ${mode}: ${target} subscribers, ${receiving} receiving, loss ${lossPct.toFixed(2)} %, ${step.egressMbps.toFixed(1)} Mbit/s, `
        + `ion-sfu ${step.sfuCpuPct.toFixed(0)} %, room-server ${step.roomServerCpuPct.toFixed(0)} %, peers ${step.clientCpuPct.toFixed(0)} % CPU`);
      if (!held) break;
    }
  } finally {
    await tool.stop();
    await stack.stop();
  }
  const heldSteps = steps.filter((s) => s.held);
  const last = steps[steps.length - 1];
  if (tool.errors.length) log(`  ${mode}: tool errors: ${tool.errors.slice(0, 5).join('; ')}`);
  return {
    mode,
    steps,
    held: heldSteps.length ? heldSteps[heldSteps.length - 1]!.subscribers : 0,
    limitFound: !!last && !last.held,
    signalMedianMs: median(tool.signalMs),
  };
}

/** Runs both ramps (through room-server, then bare ion-sfu). */
export async function measureFanout(
  options: { max: number; seconds: number; settleSeconds: number; publisherKbps?: number },
  log: (line: string) => void,
): Promise<FanoutResult> {
  const start = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'ngx-fanout-'));
  const publisherKbps = options.publisherKbps ?? 1200;
  try {
    log('  building the Go peers (e2e/bench/fanout) and encoding a 720p VP8 test pattern with ffmpeg …');
    const binary = buildTool(dir);
    const ivf = encodeVideo(dir, publisherKbps);
    const configs = benchConfigs(dir);
    const ramps: FanoutRamp[] = [];
    for (const mode of ['room-server', 'bare ion-sfu'] as const) ramps.push(await ramp(binary, ivf, mode, options, configs, log));
    return {
      ramps,
      max: options.max,
      seconds: options.seconds,
      publisherKbps,
      criteria: `every subscriber receives and loss after NACK repair ≤ ${MAX_LOSS_PCT} % over ${options.seconds} s`,
      load: { start, end: loadavg()[0]! },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a markdown section body. */
export function renderFanout(r: FanoutResult): string {
  const lines: string[] = [];
  lines.push(
    `Load average ${r.load.start.toFixed(2)} at start, ${r.load.end.toFixed(2)} at end (${cpus().length} cores). One publisher sends a`,
    `pre-encoded 1280×720 30 fps VP8 stream (libvpx, ≈ ${r.publisherKbps} kbit/s); subscribers are pion peers (e2e/bench/fanout) that`,
    'count RTP packets and send NACKs, receiver reports and TWCC feedback like a browser, but decode nothing. All of them run in one',
    'process on the same machine as ion-sfu and room-server. A step holds when ' + r.criteria + '.',
    'ion-sfu runs with the shipped config/ion-sfu.toml except a wider UDP port range (50000–59999): the shipped 50000–50200 gives one',
    'port per peer connection, and every participant has two, so it caps one ion-sfu at about 100 participants before any CPU limit.',
    '',
    '| signaling | subscribers | receiving | loss | egress Mbit/s | ion-sfu CPU | room-server CPU | peers\' CPU | holds |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const ramp of r.ramps) {
    for (const s of ramp.steps) {
      lines.push(`| ${ramp.mode} | ${s.subscribers} | ${s.receiving} | ${s.lossPct.toFixed(2)} % | ${s.egressMbps.toFixed(1)} | `
        + `${s.sfuCpuPct.toFixed(0)} % | ${s.roomServerCpuPct.toFixed(0)} % | ${s.clientCpuPct.toFixed(0)} % | `
        + `${s.held ? 'yes' : `**no**${s.note ? ` (${s.note})` : ''}`} |`);
    }
  }
  lines.push('');
  for (const ramp of r.ramps) {
    lines.push(`- ${ramp.mode}: **${ramp.held}** subscribers held${ramp.limitFound ? '' : ` (no limit up to ${r.max})`}; `
      + `median signaling time of a subscriber (connect${ramp.mode === 'room-server' ? ' + room.join' : ''} + ion-sfu join answered) ${ramp.signalMedianMs.toFixed(0)} ms.`);
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const quick = process.argv.includes('--quick');
  const result = await measureFanout({
    max: arg('--max', quick ? 20 : 400),
    seconds: arg('--seconds', quick ? 4 : 10),
    settleSeconds: quick ? 2 : 3,
  }, console.log);
  const markdown = `# ion-sfu fan-out, last run\n\n${new Date().toISOString()}\n\n${renderFanout(result)}`;
  const out = join(HERE, 'FANOUT-LAST-RUN.md');
  writeFileSync(out, markdown);
  console.log(markdown);
  console.log(`written to ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && existsSync(HERE)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
