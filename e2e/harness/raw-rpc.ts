/**
 * Raw JSON-RPC against room-server from inside the test network, the way an
 * attacker's script would talk to it (no SDK): a list of steps run in order
 * by a Node child in the namespace, with every reply, notification, upgrade
 * status and close code reported back.
 */
import { createRequire } from 'node:module';

import type { Stack } from './stack.js';

/** One step of a {@link runRawRpc} plan. */
export type RawStep =
  /** Opens connection `client` (optionally with an Origin header). */
  | { open: string; origin?: string }
  /** Sends a frame (an object is JSON-encoded, a string sent as is); waits for the reply when it has an `id`. */
  | { client: string; send: unknown; timeoutMs?: number }
  /** Waits, collecting notifications. */
  | { sleepMs: number }
  /** Closes connection `client`. */
  | { close: string };

/** What a plan produced. */
export interface RawResult {
  /** Per step: the reply frame, the upgrade result (`{status}`), or null. */
  replies: Array<Record<string, any> | null>;
  /** Per client: notifications received, in order. */
  notifications: Record<string, Array<Record<string, any>>>;
  /** Per client: close code, or null while open. */
  closeCodes: Record<string, number | null>;
}

const SCRIPT = `
const WebSocket = require(process.argv[1]);
const url = process.argv[2];
const steps = JSON.parse(process.argv[3]);
const clients = {};
const notifications = {};
const closeCodes = {};
const replies = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (const step of steps) {
    if (step.open) {
      const name = step.open;
      notifications[name] = [];
      closeCodes[name] = null;
      const ws = new WebSocket(url, step.origin ? { headers: { Origin: step.origin } } : {});
      ws.pending = new Map();
      ws.on('message', (data) => {
        let frame;
        try { frame = JSON.parse(String(data)); } catch { frame = { unparsable: String(data).slice(0, 200) }; }
        if (frame.method === undefined && ws.pending.has(frame.id)) { ws.pending.get(frame.id)(frame); ws.pending.delete(frame.id); }
        else notifications[name].push(frame);
      });
      ws.on('close', (code) => { closeCodes[name] = code; for (const r of ws.pending.values()) r(null); ws.pending.clear(); });
      const status = await new Promise((resolve) => {
        ws.once('open', () => resolve(101));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
        ws.once('error', (e) => resolve(e.code || 'error'));
      });
      ws.on('error', () => {});
      clients[name] = ws;
      replies.push({ status });
    } else if (step.send !== undefined) {
      const ws = clients[step.client];
      const text = typeof step.send === 'string' ? step.send : JSON.stringify(step.send);
      const id = typeof step.send === 'object' && step.send !== null ? step.send.id : undefined;
      if (!ws || ws.readyState !== WebSocket.OPEN) { replies.push({ notOpen: true }); continue; }
      if (id === undefined || id === null) { ws.send(text); replies.push(null); continue; }
      const reply = await new Promise((resolve) => {
        const timer = setTimeout(() => { ws.pending.delete(id); resolve({ timeout: true }); }, step.timeoutMs || 15000);
        ws.pending.set(id, (frame) => { clearTimeout(timer); resolve(frame); });
        ws.send(text);
      });
      replies.push(reply);
    } else if (step.sleepMs) {
      await sleep(step.sleepMs);
      replies.push(null);
    } else if (step.close) {
      const ws = clients[step.close];
      if (ws && ws.readyState === WebSocket.OPEN) { ws.close(); await new Promise((r) => ws.once('close', r)); }
      replies.push(null);
    }
  }
  for (const ws of Object.values(clients)) if (ws.readyState === WebSocket.OPEN) ws.close();
  await sleep(100);
  console.log(JSON.stringify({ replies, notifications, closeCodes }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

const wsModule = createRequire(import.meta.url).resolve('ws');

/** Runs `steps` against the stack's room-server from inside its network. */
export async function runRawRpc(stack: Stack, steps: RawStep[]): Promise<RawResult> {
  const out = await stack.runInNetwork(SCRIPT, [wsModule, stack.signalUrl, JSON.stringify(steps)]);
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

let nextId = 1;

/** A JSON-RPC 2.0 request frame with a fresh id. */
export function request(method: string, params?: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id: nextId++, method, ...(params === undefined ? {} : { params }) };
}
