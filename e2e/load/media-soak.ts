/**
 * Media soak: a 3-person call through the real room-server and ion-sfu in the
 * test namespace for a bounded time, sampling every `sampleSeconds`:
 * each page's JS heap (after a forced GC) and DOM counters (event listeners,
 * nodes) through CDP, room-server's and ion-sfu's RSS from /proc, and
 * Chromium's "VideoFrame … garbage collected without being closed" warnings.
 * At the end media must still flow on every page.
 *
 *   npm run soak                       # 10 minutes
 *   node --import tsx e2e/load/media-soak.ts --seconds 120
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CDPSession, Page } from 'playwright-core';

import { launchBrowser } from '../harness/browser.js';
import { recordFigure } from '../harness/figures.js';
import { closePages, startCall, waitForMediaFlowing } from '../harness/reliability.js';
import { startStack } from '../harness/stack.js';
import { waitForRemoteMedia } from '../harness/tutorial.js';

/** One sample of the soak. */
export interface SoakSample {
  atS: number;
  pages: Array<{ heapMb: number; listeners: number; nodes: number }>;
  roomServerRssMb: number;
  sfuRssMb: number;
}

/** What a soak measured. */
export interface SoakResult {
  seconds: number;
  samples: SoakSample[];
  /** Growth from the first sample (after warm-up) to the last. */
  growth: { pageHeapMb: number[]; pageListeners: number[]; roomServerRssMb: number; sfuRssMb: number };
  unclosedVideoFrameWarnings: number;
  mediaFlowingAtEnd: boolean;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 102.4) / 10;
  } catch {
    return NaN;
  }
}

async function pageSample(cdp: CDPSession): Promise<{ heapMb: number; listeners: number; nodes: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  const counters = (await cdp.send('Memory.getDOMCounters')) as { jsEventListeners: number; nodes: number };
  return { heapMb: Math.round(heap.usedSize / 1e5) / 10, listeners: counters.jsEventListeners, nodes: counters.nodes };
}

/** Runs the soak in a fresh stack; tears everything down afterwards. */
export async function runMediaSoak(options: { seconds: number; sampleSeconds?: number; warmupSeconds?: number }): Promise<SoakResult> {
  const { seconds, sampleSeconds = 10, warmupSeconds = 10 } = options;
  const stack = await startStack({ label: 'soak' });
  const browser = await launchBrowser(stack);
  let pages: Page[] = [];
  try {
    pages = await startCall(browser, stack, 5001, ['ann', 'ben', 'cat']);
    let unclosedFrames = 0;
    for (const page of pages) {
      page.on('console', (message) => {
        if (/VideoFrame.*(garbage collected|not closed|without being closed)/i.test(message.text())) unclosedFrames++;
      });
    }
    const cdps = await Promise.all(pages.map((p) => p.context().newCDPSession(p)));
    await pages[0]!.waitForTimeout(warmupSeconds * 1000);
    const samples: SoakSample[] = [];
    const started = Date.now();
    const take = async () => {
      samples.push({
        atS: Math.round((Date.now() - started) / 1000),
        pages: await Promise.all(cdps.map(pageSample)),
        roomServerRssMb: rssMb(stack.roomServer.pid),
        sfuRssMb: rssMb(stack.sfu.pid),
      });
    };
    await take();
    while (Date.now() - started < seconds * 1000) {
      await pages[0]!.waitForTimeout(Math.min(sampleSeconds * 1000, Math.max(0, seconds * 1000 - (Date.now() - started))));
      await take();
    }
    let mediaFlowingAtEnd = true;
    try {
      await Promise.all(pages.map((p) => waitForMediaFlowing(p, 30000)));
      await Promise.all(pages.map((p) => waitForRemoteMedia(p, 2, 30000)));
    } catch {
      mediaFlowingAtEnd = false;
    }
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      seconds,
      samples,
      growth: {
        pageHeapMb: last.pages.map((p, i) => round(p.heapMb - first.pages[i]!.heapMb)),
        pageListeners: last.pages.map((p, i) => p.listeners - first.pages[i]!.listeners),
        roomServerRssMb: round(last.roomServerRssMb - first.roomServerRssMb),
        sfuRssMb: round(last.sfuRssMb - first.sfuRssMb),
      },
      unclosedVideoFrameWarnings: unclosedFrames,
      mediaFlowingAtEnd,
    };
  } finally {
    await closePages(pages);
    await browser.close();
    await stack.stop();
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runMediaSoak({ seconds: arg('seconds', 600), sampleSeconds: arg('sample-seconds', 30) });
  recordFigure('soak', `media${result.seconds}s`, { ...result, samples: result.samples.length, first: result.samples[0], last: result.samples.at(-1) });
  process.exit(result.mediaFlowingAtEnd ? 0 : 1);
}
