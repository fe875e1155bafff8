import { createLogger } from './log.js';

describe('createLogger', () => {
  it('writes one JSON object a line at or above its level, with child fields', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l)).child({ component: 'x' });
    log.debug('hidden');
    log.info('shown', { n: 1 });
    log.error('bad');
    expect(lines.length).toBe(2);
    expect(JSON.parse(lines[0]!)).toEqual(jasmine.objectContaining({ level: 'info', msg: 'shown', component: 'x', n: 1 }));
    expect(JSON.parse(lines[1]!).level).toBe('error');
  });

  it('writes nothing when silent', () => {
    const lines: string[] = [];
    createLogger('silent', (l) => lines.push(l)).error('x');
    expect(lines).toEqual([]);
  });
});
