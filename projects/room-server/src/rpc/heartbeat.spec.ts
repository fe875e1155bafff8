import { Heartbeat } from './heartbeat.js';

describe('Heartbeat', () => {
  beforeEach(() => jasmine.clock().install());
  afterEach(() => jasmine.clock().uninstall());

  it('pings every interval and declares a silent peer dead after maxMissed pings', () => {
    const target = { ping: jasmine.createSpy('ping') };
    const onDead = jasmine.createSpy('onDead');
    const hb = new Heartbeat(target, { intervalMs: 5000, maxMissed: 2 }, onDead);
    hb.start();
    jasmine.clock().tick(5000);
    expect(target.ping).toHaveBeenCalledTimes(1);
    jasmine.clock().tick(5000);
    expect(target.ping).toHaveBeenCalledTimes(2);
    expect(onDead).not.toHaveBeenCalled();
    jasmine.clock().tick(5000);
    expect(onDead).toHaveBeenCalledTimes(1);
    jasmine.clock().tick(60_000);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(target.ping).toHaveBeenCalledTimes(2);
  });

  it('keeps a peer that answers alive', () => {
    const onDead = jasmine.createSpy('onDead');
    const hb = new Heartbeat({ ping: () => hb.alive() }, { intervalMs: 1000, maxMissed: 2 }, onDead);
    hb.start();
    jasmine.clock().tick(60_000);
    expect(onDead).not.toHaveBeenCalled();
    hb.stop();
  });

  it('stops pinging after stop()', () => {
    const target = { ping: jasmine.createSpy('ping') };
    const hb = new Heartbeat(target, { intervalMs: 1000, maxMissed: 2 }, () => {});
    hb.start();
    hb.stop();
    jasmine.clock().tick(10_000);
    expect(target.ping).not.toHaveBeenCalled();
  });
});
