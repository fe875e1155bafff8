/** Renders docs/BENCHMARKS.md from one run's figures. */
import type { ConferenceBundle, MinimalBundle, TrtcSdkBundle } from './bundle.js';
import type { CpuResult, GlassResult, JoinResult, Summary } from './call-bench.js';
import type { CapacityResult } from './capacity.js';
import { renderFanout, type FanoutResult } from './fanout.js';
import type { MachineInfo } from './machine.js';
import type { OtherBenchResult } from './other-benches.js';
import { fmt, ratio, table } from './stats.js';

/** Everything one `npm run bench` measured. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  settings: Record<string, number | boolean>;
  loads: Record<string, { start: string; end: string }>;
  chromiumFlags: string[];
  network: string;
  join: JoinResult[] | null;
  glass: GlassResult[] | null;
  cpu: CpuResult[] | null;
  capacity: CapacityResult | null;
  /** Absent in reports written before the fan-out bench existed. */
  fanout?: FanoutResult | null;
  conference: ConferenceBundle | null;
  minimal: MinimalBundle | null;
  trtcSdk: TrtcSdkBundle | null;
  others: OtherBenchResult[];
}

const kb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1000).toFixed(1)} KB` : '–');
const ms = (value: number) => `${fmt(value, 0)} ms`;
const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**met**' : '**missed**');
const load = (r: BenchReport, section: string) =>
  r.loads[section] ? `load average ${r.loads[section].start} → ${r.loads[section].end}` : 'not run';

function by<T extends { sdk: string }>(list: T[] | null, sdk: string): T | undefined {
  return list?.find((x) => x.sdk === sdk);
}

function summaryCells(s: Summary | undefined): string[] {
  return s ? [String(s.n), ms(s.median), ms(s.p95), `${ms(s.min)} – ${ms(s.max)}`] : ['0', '–', '–', '–'];
}

/** room-server's joins/s and room.join p99 per phase, read from its folded LAST-RUN table (best effort). */
export function serverFigures(markdown: string | null): Array<{ phase: string; joinsPerSecond: string; p99: string }> {
  if (!markdown) return [];
  const rows = markdown.split('\n').filter((line) => line.startsWith('|')).map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));
  const header = rows.find((cells) => cells.includes('joins/s'));
  if (!header) return [];
  const perSecond = header.indexOf('joins/s');
  const latency = header.findIndex((c) => /^room\.join p50 \/ p99/.test(c));
  return rows
    .filter((cells) => cells !== header && !/^-+$/.test(cells[0]) && cells.length === header.length)
    .map((cells) => ({ phase: cells[0], joinsPerSecond: cells[perSecond], p99: latency >= 0 ? (cells[latency].split('/')[1] ?? '').trim() : '–' }));
}

/** Markdown table rows (cells trimmed) of the first table whose header has a cell matching `headerCell`. */
function tableRows(markdown: string, headerCell: RegExp): { header: string[]; rows: string[][] } | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|') && line.split('|').some((c) => headerCell.test(c.trim())));
  if (start < 0) return null;
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  const header = cells(lines[start]);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return { header, rows };
}

/**
 * room-server's open-loop figure: the highest offered join rate that held
 * (p99 < 50 ms, ≥ 95 % achieved) with its clients held, from the "Paced joins" table.
 */
export function pacedServerFigure(markdown: string | null): { clients: string; offered: number; achieved: string; p99: string } | null {
  if (!markdown) return null;
  const table = tableRows(markdown, /^offered joins\/s$/);
  const clients = /Paced joins at (\d+) concurrent clients/.exec(markdown)?.[1];
  if (!table || !clients) return null;
  const col = (re: RegExp) => table.header.findIndex((c) => re.test(c));
  const [offered, achieved, latency, holds] = [col(/^offered/), col(/^achieved/), col(/room\.join p50 \/ p99/), col(/^holds/)];
  const held = table.rows.filter((cells) => cells[holds] === 'yes').sort((a, b) => Number(b[offered]) - Number(a[offered]))[0];
  if (!held) return { clients, offered: 0, achieved: '–', p99: '–' };
  return { clients, offered: Number(held[offered]), achieved: held[achieved] ?? '–', p99: (held[latency]?.split('/')[1] ?? '–').trim() };
}

function pacedServerRows(markdown: string | null): string[][] {
  const paced = pacedServerFigure(markdown);
  if (!paced) return [];
  return [[
    `room-server paced joins/s held with ${paced.clients} clients joined`,
    paced.offered > 0 ? `${paced.achieved} joins/s, p99 ${paced.p99} ms` : 'none held',
    '–',
    '–',
    '≥ 1000 joins/s, p99 < 50 ms',
    verdict(paced.offered >= 1000 && Number(paced.clients) >= 1000),
  ]];
}

export function renderReport(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);

  const ngxJoin = by(r.join, 'ngx-trtc');
  const bareJoin = by(r.join, 'bare-ion');
  const joinRatio = ngxJoin && bareJoin ? ngxJoin.join.median / bareJoin.join.median : NaN;
  const frameRatio = ngxJoin && bareJoin ? ngxJoin.firstFrame.median / bareJoin.firstFrame.median : NaN;
  const ngxGlass = by(r.glass, 'ngx-trtc');
  const bareGlass = by(r.glass, 'bare-ion');
  const cpuOf = (condition: string) => r.cpu?.find((c) => c.condition === condition);
  const cpuBare = cpuOf('bare ion-sdk-js');
  const cpuNgx = cpuOf('ngx-trtc');
  const cpuFx = cpuOf('ngx-trtc + preprocessing');
  const minimalGzip = r.minimal?.whole.gzip ?? NaN;
  const trtcGzip = r.trtcSdk?.main.gzip ?? NaN;
  const connectorFree =
    r.minimal && r.conference && !r.conference.error
      ? r.minimal.connector.grpc + r.minimal.connector.protobuf + r.conference.connector.grpc + r.conference.connector.protobuf === 0
      : null;

  push(
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (e2e/bench/run-bench.ts) — started ${r.startedAt}, finished ${r.finishedAt}${r.settings['quick'] ? ' (**--quick smoke run**, not figures to quote)' : ''}.`,
    '',
    `**Machine:** ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB RAM, ${m.kernel}, Node ${m.node}, ${m.chromium} (headless, software video codecs, \`--disable-gpu\`).`,
    `The machine is a shared VM: other work ran beside the benchmark, so each section notes the 1-minute load average at its start and end.`,
    `Compare the ratios (both sides measured in the same run, interleaved), not absolute times across machines.`,
    `Media ran inside the harness's ${r.network || 'test network'}; nothing left the machine.`,
    '',
    '## Summary',
    '',
    table(
      ['measure', 'ngx-trtc', 'baseline', 'ratio', 'target', 'result'],
      [
        ['join → CONNECTED, median', ngxJoin ? ms(ngxJoin.join.median) : '–', bareJoin ? `${ms(bareJoin.join.median)} (bare ion-sdk-js)` : '–', ratio(ngxJoin?.join.median ?? NaN, bareJoin?.join.median ?? NaN), '≤ 1.1×', verdict(Number.isFinite(joinRatio) ? joinRatio <= 1.1 : null)],
        ['join → CONNECTED, median of joins without the ~1 s ICE stall (see below)', ngxJoin ? ms(ngxJoin.fastJoinMedian) : '–', bareJoin ? `${ms(bareJoin.fastJoinMedian)} (bare ion-sdk-js)` : '–', ratio(ngxJoin?.fastJoinMedian ?? NaN, bareJoin?.fastJoinMedian ?? NaN), '≤ 1.1×', verdict(ngxJoin && bareJoin && Number.isFinite(ngxJoin.fastJoinMedian / bareJoin.fastJoinMedian) ? ngxJoin.fastJoinMedian / bareJoin.fastJoinMedian <= 1.1 : null)],
        ['publish → remote first frame, median', ngxJoin ? ms(ngxJoin.firstFrame.median) : '–', bareJoin ? `${ms(bareJoin.firstFrame.median)} (bare ion-sdk-js)` : '–', ratio(ngxJoin?.firstFrame.median ?? NaN, bareJoin?.firstFrame.median ?? NaN), '≤ 1.1×', verdict(Number.isFinite(frameRatio) ? frameRatio <= 1.1 : null)],
        ['glass-to-glass, median', ngxGlass ? ms(ngxGlass.delay.median) : '–', bareGlass ? `${ms(bareGlass.delay.median)} (bare ion-sdk-js)` : '–', ratio(ngxGlass?.delay.median ?? NaN, bareGlass?.delay.median ?? NaN), '–', '–'],
        ['main thread, 3-person 720p call', cpuNgx ? `${fmt(cpuNgx.mainThreadPct)} % of a core` : '–', cpuBare ? `${fmt(cpuBare.mainThreadPct)} % (bare ion-sdk-js)` : '–', ratio(cpuNgx?.mainThreadPct ?? NaN, cpuBare?.mainThreadPct ?? NaN), '–', '–'],
        ['renderer CPU, 3-person 720p call', cpuNgx ? `${fmt(cpuNgx.rendererPct)} %` : '–', cpuBare ? `${fmt(cpuBare.rendererPct)} % (bare ion-sdk-js)` : '–', ratio(cpuNgx?.rendererPct ?? NaN, cpuBare?.rendererPct ?? NaN), '–', '–'],
        ['renderer CPU, with preprocessing', cpuFx ? `${fmt(cpuFx.rendererPct)} %` : '–', cpuBare ? `${fmt(cpuBare.rendererPct)} % (bare ion-sdk-js)` : '–', ratio(cpuFx?.rendererPct ?? NaN, cpuBare?.rendererPct ?? NaN), '–', '–'],
        ['minimal app JS, gzip', kb(minimalGzip), r.trtcSdk ? `${kb(trtcGzip)} (trtc-js-sdk ${r.trtcSdk.version} trtc.js)` : '–', ratio(minimalGzip, trtcGzip), '< trtc-js-sdk', verdict(Number.isFinite(minimalGzip) && Number.isFinite(trtcGzip) ? minimalGzip < trtcGzip : null)],
        ['gRPC / protobuf connector in bundles', connectorFree === null ? '–' : connectorFree ? 'absent' : 'PRESENT', '–', '–', 'absent', verdict(connectorFree)],
        ...pacedServerRows(r.others.find((o) => o.bench.id === 'server')?.markdown ?? null),
        ...serverFigures(r.others.find((o) => o.bench.id === 'server')?.markdown ?? null).map((f) => [
          `room-server joins/s, room.join p99 (burst: ${f.phase})`,
          `${f.joinsPerSecond} joins/s, p99 ${f.p99} ms`,
          '–',
          '–',
          '–',
          '–',
        ]),
        ['720p subscribers of one publisher held', r.capacity ? `${r.capacity.held}${r.capacity.limitFound ? '' : ` (no limit up to ${r.capacity.max})`}` : '–', '–', '–', '–', '–'],
        ...(r.fanout?.ramps.length === 2 ? [[
          '720p non-decoding subscribers one ion-sfu serves at ≤ 1 % loss',
          `${r.fanout.ramps[0]!.held}${r.fanout.ramps[0]!.limitFound ? '' : '+'} (through room-server)`,
          `${r.fanout.ramps[1]!.held}${r.fanout.ramps[1]!.limitFound ? '' : '+'} (bare ion-sfu)`,
          ratio(r.fanout.ramps[0]!.held, r.fanout.ramps[1]!.held),
          '–',
          '–',
        ]] : []),
      ],
    ),
    '',
  );

  // ---- join
  push(
    '## Join and first frame',
    '',
    `${r.settings['joinReps']} repetitions per client, interleaved (the order alternates), after one discarded warm-up each; ${load(r, 'join')}.`,
    'Each repetition: a fresh room; the receiver joins, then the sender joins, captures (untimed) and publishes the fake camera at',
    "640×480, 15 fps, 900 kbps (ngx-trtc's default '480p' profile; the bare client gets the same constraints and encoding cap) with audio.",
    '',
    '- **join**: `await client.join({roomId})` until it resolves (state CONNECTED) for ngx-trtc — WebSocket to room-server, `room.join`',
    '  (UserSig check, room snapshot), SFU join through room-server, both peer connections up; for bare ion-sdk-js, `new IonSFUJSONRPCSignal(url)`',
    "  to ion-sfu's open, then `client.join(sid, uid)` until it resolves (its data channel open). Both samples of each repetition count",
    "  (receiver's into an empty room, sender's into a room with one peer). Fetching the UserSig is not timed.",
    '- **first frame**: from the sender calling `publish()` to the receiver\'s first `requestVideoFrameCallback` on the remote `<video>`;',
    "  for ngx-trtc that includes room-server's stream registry (`stream-added`), `subscribe()` and `play()`. Times cross pages on `Date.now()`.",
    '- **publish() call**: how long the call itself takes to return (ngx-trtc awaits the publisher negotiation; ion-sdk-js returns at once and negotiates later).',
    '',
    table(
      ['client', 'measure', 'samples', 'median', 'p95', 'min – max'],
      (r.join ?? []).flatMap((j) => [
        [j.sdk, 'join → CONNECTED', ...summaryCells(j.join)],
        [j.sdk, 'publish → first remote frame', ...summaryCells(j.firstFrame)],
        [j.sdk, 'publish() call returns', ...summaryCells(j.publishCall)],
      ]),
    ),
    '',
  );
  if (ngxJoin && bareJoin) {
    push(
      `Ratios ngx-trtc / bare: join median ${ratio(ngxJoin.join.median, bareJoin.join.median)}, p95 ${ratio(ngxJoin.join.p95, bareJoin.join.p95)};`,
      `first frame median ${ratio(ngxJoin.firstFrame.median, bareJoin.firstFrame.median)}, p95 ${ratio(ngxJoin.firstFrame.p95, bareJoin.firstFrame.p95)}.`,
      `Failed repetitions: ngx-trtc ${ngxJoin.failures}, bare ${bareJoin.failures}.`,
      '',
    );
    const slow = (j: JoinResult) => `${j.slowJoins}/${j.join.n}`;
    push(
      "Bare ion-sdk-js's join times are bimodal on this machine: most joins take about 330 ms, some about one second longer;",
      "ngx-trtc's were too until it changed how it answers ion-sfu's subscriber offer (2026-11-21). Where the second goes, from",
      'e2e/bench/dtls-diag.ts (a diagnostic, not part of `npm run bench`: a page-side timeline of both peer connections and ion-sfu run with',
      '`PION_LOG_DEBUG=ice`, `PION_LOG_TRACE=dtls`): ion-sfu offers the subscriber connection about 250 ms after the SFU join and is its',
      'ICE-controlling side (pion/ice v2.1.13). The browser sends connectivity checks as soon as it has set its answer; they wait in',
      "ion-sfu's socket until ion-sfu applies the answer and starts its ICE agent, which reads them at once — before the browser's",
      "candidate, trickled after the answer, is added. pion then knows the browser's address only as a peer-reflexive candidate (it",
      'also credits the later responses from that address to it) and does not nominate a peer-reflexive pair until 1 s after its agent',
      "started (`prflxAcceptanceMinWait`). The browser shows ICE `connected` at about 270 ms; its DTLS ClientHello waits in pion until",
      "pion's ICE connects, so DTLS `connected` comes about one second later. Every slow join in the diagnostic had ion-sfu log",
      '"adding a new peer-reflexive candidate" for the subscriber, no fast one did; whether the checks beat the trickle is timing',
      '(bare ion-sdk-js stalled in 18 of 40 joins of the last run before the change, 8 of 10 in one diagnostic); ngx-trtc, whose trickle',
      'crosses room-server after the answer, stalled more often before the change (31 of 40 in that run).',
      "ngx-trtc now answers with the browser's first UDP candidate in the answer's SDP (IonTransport; it waits for it at most",
      "100 ms, a few ms in practice), so pion has the address before it reads a check; the bare client is ion-sdk-js as shipped.",
      `Joins over 900 ms in this run: ngx-trtc ${slow(ngxJoin)}, bare ${slow(bareJoin)}; median of the joins under 900 ms:`,
      `ngx-trtc ${ms(ngxJoin.fastJoinMedian)}, bare ${ms(bareJoin.fastJoinMedian)} (${ratio(ngxJoin.fastJoinMedian, bareJoin.fastJoinMedian)}).`,
      "The bare median lands in either mode depending on how many slow joins it drew, so compare the medians of the joins under 900 ms too.",
      '',
    );
  }

  // ---- glass
  push(
    '## Glass-to-glass',
    '',
    `${r.settings['glassRounds']} rounds × ${r.settings['glassSeconds']} s per client, alternating; ${load(r, 'glass')}.`,
    'The sender publishes a 640×360 canvas (`captureStream`, a frame requested on each draw, 30 fps, 1200 kbps cap) that draws a',
    '16-bit frame counter plus 4 check bits as black/white blocks (ngx-trtc: `createStream({videoSource})`; bare: `new LocalStream(...)`).',
    "The receiver reads the blocks back on every `requestVideoFrameCallback` (draw the `<video>` into a canvas, mean luma per block).",
    'Delay = when the receiver first saw counter k − when the sender drew it (`Date.now()` on both, 1 ms resolution). The receiver\'s',
    'compositor runs at 60 Hz, so delays step in about 16.7 ms; two frames inside one vsync show only the later ("not presented").',
    'This is canvas-draw to frame-presented: no camera or display latency.',
    '',
    table(
      ['client', 'frames', 'median', 'p95', 'min – max', 'not presented', 'undecodable reads'],
      (r.glass ?? []).map((g) => [g.sdk, ...summaryCells(g.delay), `${fmt(g.missedPct)} %`, String(g.undecodable)]),
    ),
    '',
  );

  // ---- cpu
  push(
    '## CPU: one page in a 3-person 720p call',
    '',
    `${r.settings['cpuRounds']} rounds per condition, conditions in alternating order, ${r.settings['cpuSettleSeconds']} s to settle then ${r.settings['cpuSeconds']} s measured; ${load(r, 'cpu')}.`,
    "Three participants each publish the fake camera at 1280×720, 15 fps, 1500 kbps (TRTC's '720p' profile) with audio, and play the other two.",
    'The measured page runs alone in its own Chromium; the other two share a second one. All three use the same client.',
    '- **main thread**: CDP `Performance.getMetrics` TaskDuration over the window (ScriptDuration: the JavaScript part).',
    "- **renderer**: CPU time of the measured browser's renderer process (`SystemInfo.getProcessInfo`): main thread, workers (ngx-trtc's",
    '  preprocessing worker, audio worklet) and WebRTC\'s encode/decode threads. **browser**: all its processes (renderer, GPU, network, audio, browser).',
    '- **preprocessing**: `localStream.setVideoEffects({mirror: true, beauty: {strength: 0.6, brightness: 0.1, contrast: 0.1, saturation: 0.1}})`',
    '  on the measured page only (the WASM pipeline; the pipeline column says which path ran).',
    'Percentages are of one core (2 cores = 200 %).',
    '',
    table(
      ['condition', 'main thread', 'script', 'renderer', 'browser total', 'decoded fps (2 remotes)', 'encoded fps', 'pipeline', 'rounds', 'renderer / bare', 'main / bare'],
      (r.cpu ?? []).map((c) => [
        c.condition,
        `${fmt(c.mainThreadPct)} %`,
        `${fmt(c.scriptPct)} %`,
        `${fmt(c.rendererPct)} %`,
        `${fmt(c.browserPct)} %`,
        fmt(c.decodedFps),
        fmt(c.encodedFps),
        c.pipeline ?? '–',
        String(c.rounds),
        ratio(c.rendererPct, cpuBare?.rendererPct ?? NaN),
        ratio(c.mainThreadPct, cpuBare?.mainThreadPct ?? NaN),
      ]),
    ),
    '',
  );

  // ---- bundle
  push('## Bundle size', '', `${load(r, 'bundle')}. gzip level 9 of each file; KB = 1000 bytes.`, '');
  const bundleRows: Array<Array<string>> = [];
  if (r.conference) {
    bundleRows.push(
      ['conference app (`ng build conference`, production), initial JS', kb(r.conference.initial.raw), kb(r.conference.initial.gzip)],
      ['conference app, all JS + WASM files', kb(r.conference.total.raw), kb(r.conference.total.gzip)],
    );
  }
  if (r.minimal) {
    bundleRows.push(
      ['minimal app (join + publish, esbuild, minified)', kb(r.minimal.whole.raw), kb(r.minimal.whole.gzip)],
      ['minimal app without @angular/* and rxjs (what ngx-trtc adds to an Angular app)', kb(r.minimal.withoutFramework.raw), kb(r.minimal.withoutFramework.gzip)],
      ['minimal app if the library\'s `new InjectionToken` were marked `/* @__PURE__ */` (what-if, see below)', kb(r.minimal.withPureTokens.raw), kb(r.minimal.withPureTokens.gzip)],
    );
  }
  if (r.trtcSdk) {
    bundleRows.push(
      [`trtc-js-sdk ${r.trtcSdk.version} \`trtc.js\` (package main, self-contained)`, kb(r.trtcSdk.main.raw), kb(r.trtcSdk.main.gzip)],
      [`trtc-js-sdk ${r.trtcSdk.version} \`trtc.esm.js\` (without webrtc-adapter, which it imports)`, kb(r.trtcSdk.esm.raw), kb(r.trtcSdk.esm.gzip)],
    );
  }
  push(table(['bundle', 'minified', 'gzip'], bundleRows), '');
  if (r.conference?.error) push(`The conference build failed: ${r.conference.error}`, '');
  if (r.conference && !r.conference.error) {
    push(
      `Conference build: ${r.conference.files.length} JS/WASM files (${r.conference.wasmFiles} .wasm — the media core is inlined into the JS), built in ${fmt(r.conference.buildSeconds, 0)} s.`,
      '',
      table(['file', 'initial', 'minified', 'gzip'], r.conference.files.map((f) => [f.file, f.initial ? 'yes' : 'lazy', kb(f.raw), kb(f.gzip)])),
      '',
    );
  }
  if (r.minimal) {
    push(
      'The minimal app is e2e/bench/minimal-app/main.ts: `TRTC.createClient` → `join` → `createStream` → `initialize` → `play` → `publish`,',
      "a plain-TypeScript entry importing from 'ngx-trtc' (the library's source through the workspace's tsconfig paths), bundled with",
      'esbuild (`--bundle --minify --format=esm --target=es2022`, tree-shaken; the library declares `sideEffects: false`), with the',
      '`ngDevMode`/`ngJitMode`/`ngI18nClosureMode`/`ngServerMode` = false defines of an Angular production build. It is not an Angular CLI build.',
      '',
      "It needs no Angular, yet @angular/core lands in it: the facade's device code (`devices/media-devices.ts`) defines",
      '`export const MEDIA_DEVICES = new InjectionToken(...)` at top level, which esbuild must keep (a constructor call may have side',
      "effects), and with it most of @angular/core's shared chunk. Angular CLI's optimizer marks such calls pure by itself, which is why the",
      'whole conference app is smaller than this minimal app. The what-if row applies `/* @__PURE__ */` to that call in memory only:',
      'that one-line change in the library drops @angular/core from a non-DI bundle.',
      '',
      'Minified bytes of the whole minimal app by source package:',
      '',
      table(['package', 'minified bytes'], r.minimal.byPackage.map((p) => [p.name, String(p.bytes)])),
      '',
      `gRPC/protobuf check (case-insensitive occurrences of "grpc" / "protobuf"): minimal app ${r.minimal.connector.grpc} / ${r.minimal.connector.protobuf}` +
        (r.conference && !r.conference.error ? `, conference app ${r.conference.connector.grpc} / ${r.conference.connector.protobuf}.` : '.'),
      'ngx-trtc imports ion-sdk-js by module (`ion-sdk-js/lib/client`, `lib/signal`), never its index, which would pull in the gRPC-web connector.',
      '',
    );
  }

  // ---- server
  push('## Server', '', '### ion-sfu: 720p subscribers of one publisher', '');
  if (r.capacity) {
    const c = r.capacity;
    push(
      `${load(r, 'capacity')}. One ngx-trtc publisher (1280×720, 15 fps, 1500 kbps, video only) in its own Chromium; subscribers (ngx-trtc pages that`,
      `subscribe and play) are added one at a time, spread over ${c.browsers} more Chromium instance(s), up to ${c.max}. Each step settles`,
      `${r.settings['sfuSettleSeconds']} s, then measures ${r.settings['sfuSeconds']} s. A step holds when ${c.criteria}.`,
      'Everything shares this machine: ion-sfu, room-server, the encoder and every subscriber\'s VP8 decoder, so on a small machine the',
      "subscribers' decoding runs out before ion-sfu's forwarding does; ion-sfu's own CPU is in the table to tell the two apart.",
      '',
      table(
        ['subscribers', 'sent fps', 'min fps', 'median fps', 'dropped', 'loss', 'freezes', 'ion-sfu CPU', 'room-server CPU', 'holds'],
        c.steps.map((s) => [
          String(s.subscribers),
          fmt(s.sentFps),
          fmt(s.minFps),
          fmt(s.medianFps),
          `${fmt(s.droppedPct, 2)} %`,
          `${fmt(s.lossPct, 2)} %`,
          String(s.freezes),
          `${fmt(s.sfuCpuPct)} %`,
          `${fmt(s.roomServerCpuPct)} %`,
          s.held ? 'yes' : `**no**${s.note ? ` (${s.note})` : ''}`,
        ]),
      ),
      '',
      c.limitFound
        ? `Held: **${c.held}** subscribers; frames dropped at ${c.held + 1}.`
        : `Held all ${c.held} subscribers tried (the ramp is bounded at ${c.max}); the limit is above that.`,
      '',
    );
  } else {
    push('Not measured in this run.', '');
  }

  push('### ion-sfu fan-out: 720p subscribers that do not decode', '');
  if (r.fanout) push(renderFanout(r.fanout));
  else push('Not measured in this run.', '');

  for (const o of r.others) {
    const heading = o.bench.id === 'server' ? '###' : '##';
    push(`${heading} ${o.bench.title}`, '');
    const provenance = o.ran
      ? `Run by \`npm run bench\` in this run (${fmt(o.seconds, 0)} s, exit ${o.exitCode}).`
      : `Not run by this \`npm run bench\`; folded in from its last run${o.writtenAt ? ` (${o.writtenAt})` : ''}.`;
    push(provenance + (o.note ? ` ${o.note}.` : ''), '');
    if (o.markdown) push(o.markdown.replace(/^##(#+) /gm, (_all, h: string) => `${heading}${h} `), '');
  }

  push(
    '## Running it',
    '',
    '```bash',
    'npm run bench                      # everything (about 15–20 min on 2 cores), writes docs/BENCHMARKS.md',
    'npm run bench -- --quick           # smoke run, writes .test-results/BENCHMARKS.quick.md',
    'BENCH_ONLY=join,glass npm run bench   # some sections (join,glass,cpu,capacity,fanout,bundle,others)',
    'npm run bench:fanout               # the fan-out ramp alone, writes e2e/bench/FANOUT-LAST-RUN.md',
    'BENCH_SKIP_OTHERS=1 npm run bench  # fold the other benchmarks\' last LAST-RUN files without running them',
    '```',
    '',
    'Needs root for the network namespace (else it runs on the host\'s loopback), bin/ion-sfu, dist/room-server (`npm run build:server`)',
    'and network access for `npm pack trtc-js-sdk` (the tarball goes to a temporary folder and is deleted). Raw figures: .test-results/bench.json.',
    'No benchmark fails on slowness; targets are reported as met or missed.',
    '',
  );
  return out.join('\n');
}
