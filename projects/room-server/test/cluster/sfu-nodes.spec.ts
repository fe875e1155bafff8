/** Rendezvous hashing and the node pool's choice of a room's ion-sfu node. */
import { createServer, type Server } from 'node:net';
import { silentLogger } from '../../src/log.js';
import { rendezvousPick, SfuNodePool, tcpProbe, type SfuNode } from '../../src/sfu/sfu-nodes.js';
import { MemoryStateBus, MemoryStateStore } from '../../src/state/memory-store.js';

const nodes: SfuNode[] = ['sfu-a', 'sfu-b', 'sfu-c'].map((id, i) => ({ id, url: `ws://127.0.0.1:${7001 + i}/ws` }));
const keys = Array.from({ length: 3000 }, (_, i) => `1400000001:n:${i + 1}`);

describe('rendezvous hashing', () => {
  it('is deterministic and independent of the order of the node list', () => {
    for (const key of keys.slice(0, 200)) {
      expect(rendezvousPick(nodes, key)).toBe(rendezvousPick([...nodes].reverse(), key));
    }
    expect(rendezvousPick([], 'x')).toBeUndefined();
  });

  it('spreads rooms evenly over the nodes', () => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(rendezvousPick(nodes, key)!.id, (counts.get(rendezvousPick(nodes, key)!.id) ?? 0) + 1);
    for (const node of nodes) expect(counts.get(node.id)!).toBeGreaterThan(keys.length / 3 * 0.85);
  });

  it('moves only the rooms of a node that goes away, and spreads them over the rest', () => {
    const without = nodes.filter((n) => n.id !== 'sfu-b');
    const moved = new Map<string, number>();
    for (const key of keys) {
      const before = rendezvousPick(nodes, key)!;
      const after = rendezvousPick(without, key)!;
      if (before.id !== 'sfu-b') expect(after).toBe(before);
      else moved.set(after.id, (moved.get(after.id) ?? 0) + 1);
    }
    expect(moved.get('sfu-a')! + moved.get('sfu-c')!).toBeGreaterThan(keys.length / 3 * 0.85);
    expect(Math.min(moved.get('sfu-a')!, moved.get('sfu-c')!)).toBeGreaterThan(300);
  });
});

describe('SfuNodePool', () => {
  const up = new Set(nodes.map((n) => n.id));
  const probe = async (node: SfuNode): Promise<boolean> => up.has(node.id);
  const pools: SfuNodePool[] = [];
  const pool = (list = nodes): SfuNodePool => {
    const p = new SfuNodePool(list, { intervalMs: 60_000, timeoutMs: 500, log: silentLogger, probe });
    pools.push(p);
    return p;
  };
  beforeEach(() => nodes.forEach((n) => up.add(n.id)));
  afterEach(() => pools.splice(0).forEach((p) => p.stop()));

  it('two instances pick the same node for a room, and record it', async () => {
    const bus = new MemoryStateBus();
    const [s1, s2] = [new MemoryStateStore(bus), new MemoryStateStore(bus)];
    const key = keys[7]!;
    const first = await pool().pick(key, s1);
    expect(first).toBe(rendezvousPick(nodes, key)!);
    expect((await pool().pick(key, s2)).id).toBe(first.id);
    expect(await s2.sfuNodeOf(key)).toBe(first.id);
  });

  it('moves new joins of a room off a node that went down, and keeps them there once it is back', async () => {
    const store = new MemoryStateStore();
    const p = pool();
    p.start();
    const key = keys[11]!;
    const home = await p.pick(key, store);
    up.delete(home.id);
    p.reportFailure(home.id);
    const moved = await p.pick(key, store);
    expect(moved.id).not.toBe(home.id);
    expect(p.isHealthy(home.id)).toBeFalse();
    expect(moved).toBe(rendezvousPick(nodes.filter((n) => n.id !== home.id), key)!);
    up.add(home.id);
    await p.check(home.id);
    // The room is live on its new node: it stays there.
    expect((await p.pick(key, store)).id).toBe(moved.id);
  });

  it('a check that connected just before the node died does not answer for a failure reported after it', async () => {
    // A periodic check connects, the node dies, its link fails, then the check's answer (up) arrives.
    const answers: Array<(ok: boolean) => void> = [];
    const slowProbe = (): Promise<boolean> => new Promise((resolve) => answers.push(resolve));
    const p = new SfuNodePool(nodes, { intervalMs: 60_000, timeoutMs: 500, log: silentLogger, probe: slowProbe });
    pools.push(p);
    const store = new MemoryStateStore();
    const key = keys[5]!;
    const home = rendezvousPick(nodes, key)!;
    const before = p.check(home.id);
    p.reportFailure(home.id);
    expect(answers.length).withContext('a fresh probe, not the one under way').toBe(2);
    const picked = p.pick(key, store);
    answers[1]!(false); // the fresh probe: refused
    answers[0]!(true); // the old probe answers last: it must not bring the node back
    expect(await before).toBeTrue();
    expect((await picked).id).not.toBe(home.id);
    expect(p.isHealthy(home.id)).toBeFalse();
  });

  it('with every node down still names one (the join then fails with SFU_UNAVAILABLE)', async () => {
    const p = pool();
    up.clear();
    await Promise.all(nodes.map((n) => p.check(n.id)));
    expect(nodes).toContain(await p.pick(keys[0]!, new MemoryStateStore()));
  });

  it('tcpProbe tells a listening port from a closed one', async () => {
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    expect(await tcpProbe({ id: 'x', url: `ws://127.0.0.1:${port}/ws` }, 1000)).toBeTrue();
    await new Promise<void>((r) => server.close(() => r()));
    expect(await tcpProbe({ id: 'x', url: `ws://127.0.0.1:${port}/ws` }, 1000)).toBeFalse();
  });
});
