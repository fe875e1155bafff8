/**
 * A TCP relay inside the test network that can turn into a black hole: after
 * `blackhole()` it keeps every connection open but forwards nothing either
 * way — a client that vanished without closing (laptop lid shut, Wi-Fi gone),
 * which only a heartbeat can detect. Runs as a tracked child process
 * (`node -e` inside the namespace), controlled by signals, stopped by PID.
 */
import { startProcess, stopProcess, type TrackedProcess } from './processes.js';
import type { Stack } from './stack.js';

const RELAY = `
const net = require('node:net');
const [listenPort, targetPort] = process.argv.slice(1).map(Number);
const pairs = new Set();
let holed = false;
const server = net.createServer((client) => {
  if (holed) { client.destroy(); return; }
  const upstream = net.connect(targetPort, '127.0.0.1');
  const pair = { client, upstream };
  pairs.add(pair);
  client.on('data', (d) => { if (!holed) upstream.write(d); });
  upstream.on('data', (d) => { if (!holed) client.write(d); });
  const end = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
  client.on('close', () => { if (!holed) end(); });
  upstream.on('close', () => { if (!holed) end(); });
  client.on('error', () => {});
  upstream.on('error', () => {});
});
process.on('SIGUSR1', () => {
  holed = true;
  // Stop reading: nothing is forwarded, and nothing is closed (no FIN, no RST).
  for (const { client, upstream } of pairs) { client.pause(); upstream.pause(); }
  console.log('blackholed ' + pairs.size);
});
process.on('SIGTERM', () => process.exit(0));
server.listen(listenPort, '127.0.0.1', () => console.log('listening ' + listenPort));
`;

/** A running relay. */
export interface BlackholeProxy {
  readonly port: number;
  readonly process: TrackedProcess;
  /** From now on forwards nothing and closes nothing. */
  blackhole(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a relay on 127.0.0.1:`port` in the stack's network, forwarding to 127.0.0.1:`targetPort`. */
export async function startBlackholeProxy(stack: Stack, port: number, targetPort: number): Promise<BlackholeProxy> {
  const cmd = stack.network.wrap(process.execPath, ['-e', RELAY, String(port), String(targetPort)]);
  const proc = startProcess(`blackhole-${port}`, cmd.command, cmd.args, { logDir: stack.logDir });
  await proc.waitForOutput(/listening \d+/, 15000);
  return {
    port,
    process: proc,
    async blackhole() {
      process.kill(proc.pid, 'SIGUSR1');
      await proc.waitForOutput(/blackholed \d+/, 5000);
    },
    stop: () => stopProcess(proc, 1000),
  };
}
