/**
 * Bad input at scale: fast-check generates malformed, oversized, deeply
 * nested, wrong-typed and out-of-order JSON-RPC — 20,000 frames by default
 * (FUZZ_CASES), in a bounded time (FUZZ_MAX_SECONDS) — sent over several
 * connections, joined and not, to an in-process room-server in front of the
 * real ion-sfu (a fake link without the binary). Every frame is accounted
 * for against docs/protocol.md's framing rules: a frame that must be answered
 * gets exactly one answer, an error unless the case could be valid; nothing
 * crashes; and a real call in the same room (two @roamhq/wrtc peers, or two
 * signaling peers without wrtc) keeps being served throughout.
 */
import fc from 'fast-check';
import WebSocket from 'ws';

import { generateUserSig } from '../../src/auth/usersig.js';
import { silentLogger } from '../../src/log.js';
import { startRoomServer, type RunningRoomServer } from '../../src/server.js';
import { fakeSfuFactory } from '../support/fake-sfu-link.js';
import { findIonSfuBinary, startIonSfu, type IonSfuProcess } from '../support/ion-sfu-process.js';
import { AUDIO_VIDEO_OFFER, DATACHANNEL_OFFER } from '../support/sdp.js';
import { SDK_APP_ID, SECRET_KEY } from '../support/session-harness.js';
import { WsTestClient } from '../support/ws-client.js';
import { loadWrtc, WrtcPeer } from '../support/wrtc-peer.js';

const CASES = Number(process.env['FUZZ_CASES'] ?? 20_000);
const MAX_SECONDS = Number(process.env['FUZZ_MAX_SECONDS'] ?? 150);
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2_147_483_647);
const CONNECTIONS = 8;
const IN_FLIGHT = 32;
const ROOM = 9000;

const METHODS = ['room.join', 'join', 'offer', 'answer', 'trickle', 'stream.publish', 'stream.unpublish', 'stream.update', 'room.switchRole', 'rtc.ping'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

const sig = (userId: string) => generateUserSig({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, userId, expireSeconds: 3600 });

/** One generated case: the text sent, and whether a success answer is acceptable. */
interface Case {
  category: string;
  text: string;
  mayPass: boolean;
}

/** What docs/protocol.md "Framing rules" says a frame gets back. */
type Expectation = { answer: 'none' } | { answer: 'one'; id: number | string | null; envelopeValid: boolean; method?: string };

function expectationOf(text: string): Expectation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { answer: 'one', id: null, envelopeValid: false };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { answer: 'one', id: null, envelopeValid: false };
  const msg = value as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(msg, 'id');
  const rawId = msg['id'];
  const validId = (typeof rawId === 'number' && Number.isSafeInteger(rawId)) || (typeof rawId === 'string' && rawId.length <= 64);
  const id = hasId && validId ? (rawId as number | string) : null;
  const method = msg['method'];
  const envelopeValid =
    msg['jsonrpc'] === '2.0' &&
    !(hasId && !validId) &&
    typeof method === 'string' &&
    method.length > 0 &&
    method.length <= 64 &&
    Object.keys(msg).every((k) => ['jsonrpc', 'id', 'method', 'params'].includes(k));
  if (!envelopeValid) return { answer: 'one', id, envelopeValid: false };
  if (id === null) return { answer: 'none' };
  return { answer: 'one', id, envelopeValid: true, method: method as string };
}

// ------------------------------------------------------------ arbitraries

const anyJson = fc.jsonValue({ maxDepth: 4 });
const weirdString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '-', '../../etc/passwd', '<script>', 'null', '{}', ...PROTO_KEYS),
);
const wrongTyped = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), weirdString, fc.array(anyJson, { maxLength: 3 }), fc.dictionary(weirdString, anyJson, { maxKeys: 3 }));

const validSdp = fc.constantFrom(DATACHANNEL_OFFER, AUDIO_VIDEO_OFFER);
const descriptor = fc.record({
  streamId: fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/[^!-~]/g, 'x')),
  type: fc.constantFrom('main', 'auxiliary'),
  hasAudio: fc.boolean(),
  hasVideo: fc.boolean(),
});

/** Params that fit a method's schema, or nearly do (one field mutated, extra keys). */
function paramsFor(method: string): fc.Arbitrary<unknown> {
  switch (method) {
    case 'room.join':
      return fc.record({
        sdkAppId: fc.oneof(fc.constant(SDK_APP_ID), fc.integer()),
        userId: weirdString,
        userSig: fc.oneof(weirdString, fc.constant(sig('fuzzer'))),
        roomId: fc.oneof(fc.constant(ROOM), fc.integer(), weirdString),
        mode: fc.constantFrom('rtc', 'live', 'videoCall', 'x'),
      });
    case 'join':
      return fc.record({ offer: fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.oneof(validSdp, weirdString) }) }, { requiredKeys: [] });
    case 'offer':
    case 'answer':
      return fc.record({ desc: fc.record({ type: fc.constantFrom('offer', 'answer'), sdp: fc.oneof(validSdp, weirdString) }) });
    case 'trickle':
      return fc.record({ target: fc.constantFrom(0, 1, 2), candidate: fc.record({ candidate: weirdString, sdpMid: fc.option(weirdString), sdpMLineIndex: fc.option(fc.integer()) }) });
    case 'stream.publish':
      return descriptor;
    case 'stream.unpublish':
      return fc.record({ streamId: weirdString });
    case 'stream.update':
      return fc.record({ streamId: weirdString, audioMuted: fc.boolean() }, { requiredKeys: ['streamId'] });
    case 'room.switchRole':
      return fc.record({ role: fc.constantFrom('anchor', 'audience', 'king') });
    default:
      return fc.constant({});
  }
}

const envelope = (method: fc.Arbitrary<unknown>, params: fc.Arbitrary<unknown>) =>
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer({ min: 0 }), method, params }).map((o) => JSON.stringify(o));

// Depth bounded so the frame stays under the 64 KiB limit: 2 bytes a level for '[', 6 for '{"a":'.
const nested = fc.oneof(fc.tuple(fc.integer({ min: 10, max: 30_000 }), fc.constant('[')), fc.tuple(fc.integer({ min: 10, max: 10_000 }), fc.constant('{"a":'))).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}';
  const inner = open.repeat(depth) + '1' + close.repeat(depth);
  return { depth, inner };
});

const cases: fc.Arbitrary<Case> = fc.oneof(
  // not JSON at all, or truncated JSON
  fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('{', '[', '{"jsonrpc":"2.0",', '}{', '\u0000', '')).map((text) => ({ category: 'not-json', text, mayPass: false })),
  // JSON that is not a request object (scalars, arrays, batches)
  fc.oneof(anyJson, fc.array(fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), method: fc.constant('rtc.ping') }), { minLength: 1, maxLength: 5 })).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => ({ category: 'not-an-object', text: JSON.stringify(v), mayPass: false })),
  // broken envelopes: jsonrpc, id, method, extra members, prototype keys
  fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.constantFrom('1.0', '2', 2, null)),
      id: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 80 }), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }), fc.constant(Number.MAX_SAFE_INTEGER + 2)),
      method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.constantFrom(...PROTO_KEYS)),
      params: wrongTyped,
      extra: wrongTyped,
    },
    { requiredKeys: [] },
  ).map((o) => ({ category: 'bad-envelope', text: JSON.stringify(o), mayPass: (o as { method?: unknown }).method === 'rtc.ping' })),
  // known methods with wrong-typed params, or params with unknown keys (sid/uid included)
  fc.tuple(fc.constantFrom(...METHODS.filter((m) => m !== 'rtc.ping')), wrongTyped, fc.constantFrom('sid', 'uid', 'userId', 'extra', ...PROTO_KEYS)).chain(([method, junk, key]) =>
    fc.oneof(
      envelope(fc.constant(method), fc.constant(junk)),
      paramsFor(method).chain((p) => envelope(fc.constant(method), fc.constant(typeof p === 'object' && p !== null ? { ...p, [key]: junk } : p))),
    ).map((text) => ({ category: 'wrong-params', text, mayPass: false })),
  ),
  // deeply nested params and frames (up to 30,000 levels, under the 64 KiB limit)
  nested.chain(({ inner }) =>
    fc.constantFrom(
      `{"jsonrpc":"2.0","id":1,"method":"stream.publish","params":{"streamId":${inner}}}`,
      `{"jsonrpc":"2.0","id":1,"method":"join","params":${inner.startsWith('[') ? `{"offer":${inner}}` : inner}}`,
      inner,
    ),
  ).map((text) => ({ category: 'deeply-nested', text, mayPass: false })),
  // large values, just under the frame limit
  fc.tuple(fc.integer({ min: 1_000, max: 26_000 }), fc.constantFrom('stream.publish', 'join', 'trickle', 'room.join', 'unknown.method')).map(([size, method]) => ({
    category: 'oversized-values',
    text: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { streamId: 'x'.repeat(size), sdp: `v=0\r\n${'a=x\r\n'.repeat(size / 5)}` } }),
    mayPass: false,
  })),
  // plausible requests, often in the wrong state or order (offer before join, second join, unknown streams…)
  fc.constantFrom(...METHODS).chain((method) => envelope(fc.constant(method), paramsFor(method))).map((text) => ({ category: 'plausible-out-of-order', text, mayPass: true })),
  // notifications (no id): never answered
  fc.tuple(fc.constantFrom(...METHODS, 'unknown'), wrongTyped).map(([method, params]) => ({ category: 'notification', text: JSON.stringify({ jsonrpc: '2.0', method, params }), mayPass: true })),
);

// ------------------------------------------------------------- the spec

interface Tally {
  sent: number;
  byCategory: Record<string, number>;
  answered: number;
  errors: number;
  results: number;
  unexpectedResults: string[];
  missing: string[];
  extraAnswers: string[];
  closes: number[];
  errorNames: Record<string, number>;
}

/** A fuzzing connection: sends frames with a bounded window and checks every answer. */
class FuzzConnection {
  private ws!: WebSocket;
  private readonly pending = new Map<string, { kase: Case; timer: NodeJS.Timeout }>();
  private nullAnswersExpected = 0;
  private nullAnswersSeen = 0;
  private waiters: Array<() => void> = [];
  private nextId = 1;
  private open!: Promise<void>;

  constructor(private readonly server: RunningRoomServer, private readonly index: number, private readonly tally: Tally, private readonly joined: boolean) {}

  async connect(): Promise<void> {
    this.ws = new WebSocket(this.server.url);
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data) => this.onMessage(String(data)));
    this.ws.on('close', (code) => {
      this.tally.closes.push(code);
      for (const [key, { timer }] of this.pending) {
        clearTimeout(timer);
        this.tally.missing.push(`${key} (closed ${code})`);
      }
      this.pending.clear();
      this.flush();
    });
    this.open = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    await this.open;
    if (this.joined) {
      const userId = `fuzzer${this.index}-${this.nextId++}`;
      const id = `join-${this.nextId++}`;
      const answer = await this.request(id, 'room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId: ROOM, mode: 'rtc' });
      if (answer.error) throw new Error(`fuzzer could not join: ${JSON.stringify(answer.error)}`);
    }
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  private request(id: string, method: string, params: unknown): Promise<{ error?: unknown; result?: unknown }> {
    return new Promise((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        const frame = JSON.parse(String(data));
        if (frame.id === id) {
          this.ws.off('message', onMessage);
          resolve(frame);
        }
      };
      this.ws.on('message', onMessage);
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Sends one case, rewriting a valid id to a unique one so its answer can be matched. */
  async send(kase: Case): Promise<void> {
    while (this.pending.size >= IN_FLIGHT && this.isOpen) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.isOpen) return;
    let text = kase.text;
    const expectation = expectationOf(text);
    if (expectation.answer === 'one' && expectation.id !== null) {
      const unique = typeof expectation.id === 'number' ? 1_000_000 * (this.index + 1) + this.nextId++ : `f${this.index}-${this.nextId++}`;
      try {
        const obj = JSON.parse(text);
        obj.id = unique;
        text = JSON.stringify(obj);
      } catch {
        // Too deep for JSON.stringify: the generators put the id first, as "id":<number>.
        text = text.replace(/"id":-?\d+/, `"id":${JSON.stringify(unique)}`);
      }
      const key = JSON.stringify(unique);
      const timer = setTimeout(() => {
        this.pending.delete(key);
        this.tally.missing.push(`${kase.category}: ${text.slice(0, 120)}`);
        this.flush();
      }, 30_000);
      this.pending.set(key, { kase: { ...kase, mayPass: kase.mayPass && expectation.envelopeValid }, timer });
    } else if (expectation.answer === 'one') {
      this.nullAnswersExpected++;
    }
    this.tally.sent++;
    this.tally.byCategory[kase.category] = (this.tally.byCategory[kase.category] ?? 0) + 1;
    this.ws.send(text);
  }

  private onMessage(data: string): void {
    const frame = JSON.parse(data) as { id?: unknown; method?: string; error?: { message: string }; result?: unknown };
    if (frame.method !== undefined) return; // notifications (others' events, ion-sfu offers)
    this.tally.answered++;
    if (frame.error) this.tally.errorNames[frame.error.message] = (this.tally.errorNames[frame.error.message] ?? 0) + 1;
    if (frame.error) this.tally.errors++;
    else this.tally.results++;
    if (frame.id === null) {
      this.nullAnswersSeen++;
      if (!frame.error) this.tally.unexpectedResults.push(`null id: ${data.slice(0, 120)}`);
      return;
    }
    const key = JSON.stringify(frame.id);
    const entry = this.pending.get(key);
    if (!entry) {
      if (typeof frame.id === 'string' && /^(join|final)-/.test(frame.id)) return;
      this.tally.extraAnswers.push(data.slice(0, 160));
      return;
    }
    clearTimeout(entry.timer);
    this.pending.delete(key);
    if (!frame.error && !entry.kase.mayPass) this.tally.unexpectedResults.push(`${entry.kase.category}: ${data.slice(0, 160)}`);
    this.flush();
  }

  private flush(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits for every answer still due; then checks the id-less answers' count with a ping round trip. */
  async drain(): Promise<{ nullExpected: number; nullSeen: number; alive: boolean }> {
    const deadline = Date.now() + 35_000;
    while (this.pending.size > 0 && this.isOpen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    let alive = false;
    if (this.isOpen) {
      const answer = await Promise.race([
        this.request(`final-${this.index}`, 'rtc.ping', {}),
        new Promise<{ error: string }>((r) => setTimeout(() => r({ error: 'timeout' }), 10_000)),
      ]);
      // Any answer will do: a connection that never joined answers NOT_JOINED.
      alive = answer.error !== 'timeout';
    }
    return { nullExpected: this.nullAnswersExpected, nullSeen: this.nullAnswersSeen, alive };
  }

  close(): void {
    this.ws.close();
  }
}

describe('room-server under fuzzed JSON-RPC (fast-check)', () => {
  let sfu: IonSfuProcess | undefined;
  let server: RunningRoomServer;
  const wrtc = loadWrtc();
  const binary = findIonSfuBinary();

  beforeAll(async () => {
    if (binary) sfu = await startIonSfu(binary, { udpPortMin: 51010, udpPortMax: 51210 });
  }, 30_000);

  afterAll(async () => {
    await sfu?.stop();
  });

  it(`answers ${CASES} malformed, nested, oversized, wrong-typed and out-of-order frames with errors, never crashes, and keeps a call in the room going`, async () => {
    server = await startRoomServer(
      {
        port: 0,
        host: '127.0.0.1',
        sfuUrl: sfu?.url ?? 'ws://127.0.0.1:1/ws',
        apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }],
        staticDir: null,
        logLevel: 'silent',
        // The rate limiter has its own specs; here every frame must reach the parser and handlers.
        limits: { messagesPerSecond: 1_000_000, messageBurst: 1_000_000, joinTimeoutMs: 600_000, maxConnections: 200 },
      },
      { log: silentLogger, ...(sfu ? {} : { sfuLinkFactory: fakeSfuFactory().factory }) },
    );
    const peers: WrtcPeer[] = [];
    const callClients: WsTestClient[] = [];
    const fuzzers: FuzzConnection[] = [];
    const tally: Tally = { sent: 0, byCategory: {}, answered: 0, errors: 0, results: 0, unexpectedResults: [], missing: [], extraAnswers: [], closes: [], errorNames: {} };
    const pingLatencies: number[] = [];
    let pinging = true;
    try {
      // The call: alice and bob, in the room the joined fuzzers also join.
      for (const userId of ['alice', 'bob']) {
        const client = await WsTestClient.connect(server.url);
        callClients.push(client);
        const res = await client.request('room.join', { sdkAppId: SDK_APP_ID, userId, userSig: sig(userId), roomId: ROOM, mode: 'rtc' });
        expect(res.error).toBeUndefined();
      }
      const [aliceClient, bobClient] = callClients;
      let measureCall: () => Promise<number>;
      if (sfu && wrtc) {
        const alice = new WrtcPeer(wrtc, aliceClient!);
        const bob = new WrtcPeer(wrtc, bobClient!);
        peers.push(alice, bob);
        const media = alice.addMedia();
        await aliceClient!.request('stream.publish', { streamId: media.stream.id, type: 'main', hasAudio: true, hasVideo: true });
        expect((await alice.join()).error).toBeUndefined();
        expect((await bob.join()).error).toBeUndefined();
        const atBob = await bob.waitForStream(media.stream.id);
        measureCall = async () => (await bob.measure(atBob, 2000)).videoFrames;
      } else {
        await aliceClient!.request('stream.publish', { streamId: 'alice-main', type: 'main', hasAudio: true, hasVideo: false });
        measureCall = async () => ((await bobClient!.request('rtc.ping', {})).result ? 1 : 0);
      }
      const framesBefore = await measureCall();
      expect(framesBefore).toBeGreaterThan(0);

      // The call's signaling stays responsive throughout: a ping every 250 ms.
      const pingLoop = (async () => {
        while (pinging) {
          const t = performance.now();
          const res = await bobClient!.request('rtc.ping', {}, 15_000).catch(() => null);
          if (res?.result) pingLatencies.push(performance.now() - t);
          else pingLatencies.push(Number.POSITIVE_INFINITY);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();

      for (let i = 0; i < CONNECTIONS; i++) {
        const fuzzer = new FuzzConnection(server, i, tally, i % 2 === 0);
        await fuzzer.connect();
        fuzzers.push(fuzzer);
      }
      const samples = fc.sample(cases, { numRuns: CASES, seed: SEED });
      const started = Date.now();
      const deadline = started + MAX_SECONDS * 1000;
      await Promise.all(
        fuzzers.map(async (fuzzer, i) => {
          for (let k = i; k < samples.length && Date.now() < deadline; k += CONNECTIONS) {
            if (!fuzzer.isOpen) break;
            await fuzzer.send(samples[k]!);
          }
        }),
      );
      const drained = await Promise.all(fuzzers.map((f) => f.drain()));
      const seconds = (Date.now() - started) / 1000;
      pinging = false;
      await pingLoop;

      const framesAfter = await measureCall();
      const finite = pingLatencies.filter(Number.isFinite).sort((a, b) => a - b);
      const figures = {
        seed: SEED,
        sent: tally.sent,
        seconds: Math.round(seconds),
        framesPerSecond: Math.round(tally.sent / seconds),
        byCategory: tally.byCategory,
        answered: tally.answered,
        errors: tally.errors,
        results: tally.results,
        errorNames: tally.errorNames,
        closes: tally.closes,
        callPingMs: { samples: pingLatencies.length, p50: Math.round(finite[Math.floor(finite.length / 2)] ?? -1), max: Math.round(finite.at(-1) ?? -1), failed: pingLatencies.length - finite.length },
        callVideoFramesIn2sAfter: framesAfter,
        realIonSfu: !!sfu,
        wrtcMedia: !!(sfu && wrtc),
      };
      console.log(`[figure] fuzz = ${JSON.stringify(figures)}`);

      expect(tally.sent).toBeGreaterThanOrEqual(Math.min(CASES, 10_000));
      expect(tally.unexpectedResults.slice(0, 10)).toEqual([]);
      expect(tally.missing.slice(0, 10)).toEqual([]);
      expect(tally.extraAnswers.slice(0, 10)).toEqual([]);
      expect(tally.closes).toEqual([]);
      for (const d of drained) {
        expect(d.alive).toBeTrue();
        expect(d.nullSeen).toBe(d.nullExpected);
      }
      expect(figures.callPingMs.failed).toBe(0);
      expect(framesAfter).toBeGreaterThan(0);
      const health = (await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).json()) as { status: string };
      expect(health.status).toBe('ok');
      expect(sfu ? sfu.child.exitCode : null).toBeNull();
    } finally {
      pinging = false;
      for (const f of fuzzers) f.close();
      for (const p of peers) p.close();
      await Promise.all(callClients.map((c) => c.close()));
      await server.close();
    }
  }, (MAX_SECONDS + 150) * 1000);

  it('closes a connection that sends a frame over the size limit (1009) and keeps serving the others', async () => {
    server = await startRoomServer(
      { port: 0, host: '127.0.0.1', apps: [{ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY }], staticDir: null, logLevel: 'silent' },
      { log: silentLogger, sfuLinkFactory: fakeSfuFactory().factory },
    );
    try {
      const bystander = await WsTestClient.connect(server.url);
      const sizes = fc.sample(fc.integer({ min: 65_537, max: 1_000_000 }), { numRuns: 20, seed: SEED });
      const codes: number[] = [];
      for (const size of sizes) {
        const c = await WsTestClient.connect(server.url);
        c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rtc.ping', params: { pad: 'x'.repeat(size) } }));
        codes.push((await c.closed).code);
      }
      expect(new Set(codes)).toEqual(new Set([1009]));
      expect((await bystander.request('room.join', { sdkAppId: SDK_APP_ID, userId: 'b', userSig: sig('b'), roomId: 1, mode: 'rtc' })).result).toBeDefined();
      await bystander.close();
    } finally {
      await server.close();
    }
  }, 60_000);
});
