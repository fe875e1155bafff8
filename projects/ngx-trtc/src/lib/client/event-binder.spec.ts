import { EventBinder, EventOf } from './event-binder';

interface Map {
  ping: number;
  pong: string;
}

describe('EventBinder', () => {
  it('removes a handler by handler and context, leaving the same handler bound to another context', () => {
    const events = new EventBinder<Map>();
    const seen: string[] = [];
    function handler(this: { name: string }, n: number) {
      seen.push(`${this.name}:${n}`);
    }
    const a = { name: 'a' };
    const b = { name: 'b' };
    events.on('ping', handler, a);
    events.on('ping', handler, b);
    events.emit('ping', 1);
    events.off('ping', handler, a);
    events.emit('ping', 2);
    expect(seen).toEqual(['a:1', 'b:1', 'b:2']);
  });

  it("once fires a single time; off(event) and off('*') remove handlers", () => {
    const events = new EventBinder<Map>();
    const seen: unknown[] = [];
    events.once('ping', (n) => seen.push(n));
    events.on('pong', (s) => seen.push(s));
    events.emit('ping', 1);
    events.emit('ping', 2);
    events.off('pong');
    events.emit('pong', 'x');
    events.on('ping', (n) => seen.push(n));
    events.off('*');
    events.emit('ping', 3);
    expect(seen).toEqual([1]);
  });

  it('onEvent sees every event as {type, data}; a throwing listener does not stop the others', () => {
    const events = new EventBinder<Map>();
    const seen: EventOf<Map>[] = [];
    events.onEvent(() => {
      throw new Error('app bug');
    });
    const remove = events.onEvent((e) => seen.push(e));
    events.emit('ping', 7);
    events.emit('pong', 'p');
    remove();
    events.emit('ping', 8);
    expect(seen).toEqual([
      { type: 'ping', data: 7 },
      { type: 'pong', data: 'p' },
    ]);
  });

  it('emits nothing after dispose()', () => {
    const events = new EventBinder<Map>();
    const seen: unknown[] = [];
    events.on('ping', (n) => seen.push(n));
    events.onEvent((e) => seen.push(e));
    events.dispose();
    events.emit('ping', 1);
    expect(seen).toEqual([]);
  });
});
