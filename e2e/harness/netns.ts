/**
 * The test network: a Linux network namespace with loopback and one end of a
 * veth pair (addresses of its own), so ion-sfu, room-server and Chromium run
 * where no packet can leave. Falls back to the host (127.0.0.1) when a
 * namespace cannot be made (not root, no `ip`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

/** Where the stack runs: a namespace, or the host as a fallback. */
export interface TestNetwork {
  /** Namespace name, or null when running on the host. */
  readonly namespace: string | null;
  /** The namespace's veth address (what WebRTC candidates carry), or null on the host. */
  readonly mediaAddress: string | null;
  /** Wraps a command so it runs inside the namespace. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** Deletes the namespace (and with it the veth pair). Idempotent. */
  destroy(): void;
}

const hostNetwork: TestNetwork = {
  namespace: null,
  mediaAddress: null,
  wrap: (command, args) => ({ command, args }),
  destroy: () => undefined,
};

const created = new Set<string>();
let exitHookInstalled = false;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function deleteNamespaceSync(name: string): void {
  spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
  created.delete(name);
}

/** Creates the test namespace, or returns the host fallback when that is impossible. */
export function createTestNetwork(options: { allowHostFallback?: boolean; defaultRoute?: boolean } = {}): TestNetwork {
  const allowHost = options.allowHostFallback ?? true;
  if (process.env['E2E_NO_NETNS'] === '1') return hostNetwork;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    if (!allowHost) throw new Error('a network namespace needs root');
    console.warn('[harness] not root: running the stack on the host (127.0.0.1)');
    return hostNetwork;
  }
  const tag = `${process.pid % 10000}${randomInt(100, 999)}`;
  const name = `ngxtrtc-${tag}`;
  const hostEnd = `vh${tag}`;
  const nsEnd = `vn${tag}`;
  // A /30 out of 10.213.0.0/16 that only this namespace uses; nothing routes it anywhere.
  const block = randomInt(0, 16384) * 4;
  const prefix = `10.213.${block >> 8}.`;
  const hostAddress = `${prefix}${(block & 0xff) + 1}`;
  const nsAddress = `${prefix}${(block & 0xff) + 2}`;
  try {
    ip('netns', 'add', name);
    created.add(name);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => [...created].forEach(deleteNamespaceSync));
    }
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd);
    ip('link', 'set', nsEnd, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostEnd);
    ip('link', 'set', hostEnd, 'up');
    ip('-n', name, 'addr', 'add', `${nsAddress}/30`, 'dev', nsEnd);
    ip('-n', name, 'link', 'set', nsEnd, 'up');
    if (options.defaultRoute) {
      // Firefox gathers no ICE candidate at all without a default route. This one has no
      // gateway: an off-link destination gets an ARP request on the veth that nothing
      // answers (the host end owns only its /30 address), so no packet leaves.
      ip('-n', name, 'route', 'add', 'default', 'dev', nsEnd, 'scope', 'link');
    }
  } catch (error) {
    deleteNamespaceSync(name);
    spawnSync('ip', ['link', 'delete', hostEnd], { stdio: 'ignore' });
    if (!allowHost) throw error;
    console.warn(`[harness] could not create a network namespace (${String(error)}); using the host`);
    return hostNetwork;
  }
  return {
    namespace: name,
    mediaAddress: nsAddress,
    wrap: (command, args) => ({ command: 'ip', args: ['netns', 'exec', name, command, ...args] }),
    destroy: () => deleteNamespaceSync(name),
  };
}

/** Names of namespaces this process created and has not deleted yet (for teardown checks). */
export function liveNamespaces(): string[] {
  return [...created];
}
