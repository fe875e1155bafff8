import { TokenBucket } from './rate-limiter.js';

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    let allowed = 0;
    for (let i = 0; i < 20; i++) if (bucket.tryTake()) allowed++;
    expect(allowed).toBe(5);
    now += 500; // 5 tokens refilled
    allowed = 0;
    for (let i = 0; i < 20; i++) if (bucket.tryTake()) allowed++;
    expect(allowed).toBe(5);
  });

  it('never holds more than its burst', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 3, () => now);
    now += 60_000;
    let allowed = 0;
    for (let i = 0; i < 10; i++) if (bucket.tryTake()) allowed++;
    expect(allowed).toBe(3);
  });
});
