/**
 * Load and soak, short versions for the suite (the long soak is `npm run
 * soak`): signaling clients cycling join/publish/update/unpublish/leave on
 * loopback with no errors and room-server's heap back near its baseline;
 * a 3-person call for 60 s with bounded growth of page heaps, listeners and
 * server memory, no unclosed VideoFrames, and media still flowing. The
 * figures go to docs/RELIABILITY.md; the bounds below are leak detectors
 * with generous margins, not performance targets.
 */
import { runMediaSoak } from '../../load/media-soak.js';
import { runSignalingLoad } from '../../load/signaling-load.js';
import { recordFigure } from '../../harness/figures.js';

/** Leak bounds (stated in docs/RELIABILITY.md). */
const BOUNDS = {
  serverHeapAfterLoadMb: 15,
  pageHeapGrowthMb: 15,
  pageListenerGrowth: 50,
  roomServerRssGrowthMb: 30,
  sfuRssGrowthMb: 60,
};

describe('reliability: load and soak', () => {
  it('100 signaling clients cycling through 10 rooms for 20 s: no errors, everyone gone after, heap back near baseline', async () => {
    const result = await runSignalingLoad({ clients: 100, rooms: 10, seconds: 20, settleSeconds: 8 });
    recordFigure('load', 'signaling', result);
    expect(result.errors).toEqual({});
    expect(result.cycles).toBeGreaterThan(100);
    expect(result.peersAtPeak).toBeGreaterThan(0);
    expect(result.peersAfter).toBe(0);
    expect(result.heapUsedMb.after - result.heapUsedMb.baseline).toBeLessThan(BOUNDS.serverHeapAfterLoadMb);
  }, 120000);

  it('a 3-person call for 60 s: bounded memory and listeners, no unclosed VideoFrame, media still flowing', async () => {
    const result = await runMediaSoak({ seconds: 60, sampleSeconds: 15, warmupSeconds: 10 });
    recordFigure('soak', 'media60s', { ...result, samples: result.samples });
    expect(result.mediaFlowingAtEnd).toBeTrue();
    expect(result.unclosedVideoFrameWarnings).toBe(0);
    for (const growth of result.growth.pageHeapMb) expect(growth).toBeLessThan(BOUNDS.pageHeapGrowthMb);
    for (const growth of result.growth.pageListeners) expect(growth).toBeLessThan(BOUNDS.pageListenerGrowth);
    expect(result.growth.roomServerRssMb).toBeLessThan(BOUNDS.roomServerRssGrowthMb);
    expect(result.growth.sfuRssMb).toBeLessThan(BOUNDS.sfuRssGrowthMb);
  }, 300000);
});
