/** Counters and gauges rendered in the Prometheus text exposition format. */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

/** A monotonically increasing counter, optionally labelled. */
export class Counter {
  private readonly _values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** Adds `by` (default 1) to the series with these labels. */
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this._values.set(key, (this._values.get(key) ?? 0) + by);
  }

  /** The current value of one series. */
  value(labels: Labels = {}): number {
    return this._values.get(labelKey(labels)) ?? 0;
  }

  /** Prometheus text. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this._values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, value] of this._values) lines.push(`${this.name}${key} ${value}`);
    return lines.join('\n');
  }
}

/** A gauge read from a callback at scrape time. */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly _read: () => number,
  ) {}

  /** Prometheus text. */
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this._read()}`].join('\n');
  }
}

/** The room-server's metrics. */
export class ServerMetrics {
  readonly joins = new Counter('roomserver_joins_total', 'Successful room.join requests.');
  readonly leaves = new Counter('roomserver_leaves_total', 'Peers that left a room, by reason.');
  readonly authFailures = new Counter('roomserver_auth_failures_total', 'Refused room.join authentications, by reason.');
  readonly upstreamErrors = new Counter('roomserver_upstream_errors_total', 'Failures of links to ion-sfu, by kind.');
  readonly messagesIn = new Counter('roomserver_messages_received_total', 'JSON-RPC frames received from clients.');
  readonly messagesOut = new Counter('roomserver_messages_sent_total', 'JSON-RPC frames sent to clients.');
  readonly rejectedMessages = new Counter('roomserver_messages_rejected_total', 'Client frames answered with an error, by error.');
  readonly kicks = new Counter('roomserver_kicks_total', 'Clients sent client-banned, by reason.');
  readonly bannedJoins = new Counter('roomserver_banned_joins_total', 'room.join requests refused because the user is banned from the room.');
  readonly resumes = new Counter('roomserver_resumes_total', 'Dropped peers whose place a reconnect took over within the grace.');
  readonly connectionsRefused = new Counter('roomserver_connections_refused_total', 'WebSocket upgrades refused, by reason.');
  readonly egressStarts = new Counter('roomserver_egress_starts_total', 'Egresses that became active (first start or restart), by origin (admin, client).');
  readonly egressFailures = new Counter('roomserver_egress_failures_total', 'Egress worker or output failures, by outcome (restarting, final).');
  private readonly _gauges: Gauge[] = [];

  /** Registers a gauge read at scrape time. */
  addGauge(name: string, help: string, read: () => number): void {
    this._gauges.push(new Gauge(name, help, read));
  }

  /** The whole exposition, Prometheus text format 0.0.4. */
  render(): string {
    const counters = [
      this.joins,
      this.leaves,
      this.authFailures,
      this.upstreamErrors,
      this.messagesIn,
      this.messagesOut,
      this.rejectedMessages,
      this.kicks,
      this.bannedJoins,
      this.resumes,
      this.connectionsRefused,
      this.egressStarts,
      this.egressFailures,
    ];
    return [...this._gauges.map((g) => g.render()), ...counters.map((c) => c.render())].join('\n') + '\n';
  }
}
