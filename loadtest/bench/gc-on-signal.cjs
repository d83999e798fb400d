// Preloaded into the bench's Node.js servers (with --expose-gc): SIGUSR2 runs a full
// collection, so idle memory is read without the garbage a burst of connections left behind.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
});
