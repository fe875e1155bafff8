// Preloaded into the benchmarked room-server (with --expose-gc): SIGUSR2
// runs a full GC, so the benchmark reads settled heap figures from /metrics.
process.on('SIGUSR2', () => globalThis.gc?.());
