import { ServerMetrics } from './metrics.js';

describe('ServerMetrics', () => {
  it('renders counters with escaped labels and gauges in Prometheus text format', () => {
    const m = new ServerMetrics();
    m.addGauge('roomserver_rooms', 'Rooms.', () => 3);
    m.authFailures.inc({ reason: 'USERSIG_EXPIRED' });
    m.authFailures.inc({ reason: 'USERSIG_EXPIRED' });
    m.rejectedMessages.inc({ error: 'a"b\\c' });
    const text = m.render();
    expect(text).toContain('# TYPE roomserver_rooms gauge\nroomserver_rooms 3');
    expect(text).toContain('roomserver_auth_failures_total{reason="USERSIG_EXPIRED"} 2');
    expect(text).toContain('roomserver_messages_rejected_total{error="a\\"b\\\\c"} 1');
    expect(text).toContain('roomserver_joins_total 0');
    expect(text.endsWith('\n')).toBeTrue();
  });
});
