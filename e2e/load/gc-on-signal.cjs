// Preloaded into room-server by the load test (node --expose-gc -r …): a full
// GC on SIGUSR2, so "memory back to baseline" compares live heap, not garbage.
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc();
});
