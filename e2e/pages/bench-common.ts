/**
 * What both benchmark pages share (e2e/pages/bench-ngx.ts over ngx-trtc,
 * e2e/pages/bare-ion.ts over bare ion-sdk-js), so the two differ only in the
 * SDK calls: the clock, first-frame watching, the frame-counter source and its
 * reader, getStats probes, and the read-back half of `window.bench`
 * ({@link BenchProbes}).
 *
 * Times that cross pages are `Date.now()` (1 ms resolution, the one system
 * clock): the driver subtracts a sender page's time from a receiver page's.
 * `performance.timeOrigin + performance.now()` is finer but is fixed per
 * document, and between two renderer processes it was seen to disagree by
 * several milliseconds (negative delays), more than it gains.
 */

/** Epoch milliseconds on the clock every page shares. */
export function nowMs(): number {
  return Date.now();
}

/** The counter pattern: 16 counter bits + 4 check bits, one block each, in a strip at the top of the frame. */
export const PATTERN = {
  width: 640,
  height: 360,
  bits: 20,
  blockWidth: 32,
  stripHeight: 64,
} as const;

function checkBits(counter: number): number {
  return (counter ^ (counter >> 4) ^ (counter >> 8) ^ (counter >> 12) ^ 0b1010) & 0xf;
}

/** The 20 bits drawn for `counter`. */
function encode(counter: number): number {
  return ((counter & 0xffff) << 4) | checkBits(counter & 0xffff);
}

/** The counter read back from 20 bits, or null when the check bits disagree. */
function decode(bits: number): number | null {
  const counter = bits >>> 4;
  return checkBits(counter) === (bits & 0xf) ? counter : null;
}

/** A canvas that draws a new counter every 1000/fps ms and is captured as a video track. */
export interface CounterSource {
  readonly track: MediaStreamTrack;
  /** sentAt[counter] = when that counter was drawn (epoch ms). */
  readonly sentAt: number[];
  stop(): void;
}

/** Starts a frame-counter canvas source (the published video in the glass-to-glass measurement). */
export function startCounterSource(fps = 30): CounterSource {
  const canvas = document.createElement('canvas');
  canvas.width = PATTERN.width;
  canvas.height = PATTERN.height;
  const ctx = canvas.getContext('2d')!;
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
  const sentAt: number[] = [];
  let counter = 0;
  const draw = () => {
    const bits = encode(counter);
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, PATTERN.width, PATTERN.height);
    // Something that moves below the strip, so the encoder sees ordinary motion.
    ctx.fillStyle = '#2060c0';
    ctx.fillRect((counter * 8) % PATTERN.width, 120, 80, 160);
    for (let i = 0; i < PATTERN.bits; i++) {
      ctx.fillStyle = (bits >>> (PATTERN.bits - 1 - i)) & 1 ? '#ffffff' : '#000000';
      ctx.fillRect(i * PATTERN.blockWidth, 0, PATTERN.blockWidth, PATTERN.stripHeight);
    }
    track.requestFrame();
    sentAt[counter] = nowMs();
    counter = (counter + 1) & 0xffff;
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  return {
    track,
    sentAt,
    stop() {
      clearInterval(timer);
      track.stop();
    },
  };
}

/** Reads counters from a playing video element on every presented frame. */
export interface CounterReader {
  /** First time each counter was presented: [counter, epoch ms]. */
  readonly seen: Array<[number, number]>;
  /** Frames whose strip did not decode (check bits disagree). */
  undecodable: number;
  stop(): void;
}

/** Starts reading the counter pattern out of `video` (requestVideoFrameCallback + a canvas read-back). */
export function startCounterReader(video: HTMLVideoElement): CounterReader {
  const canvas = document.createElement('canvas');
  canvas.width = PATTERN.width;
  canvas.height = PATTERN.stripHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const known = new Set<number>();
  const reader: CounterReader = { seen: [], undecodable: 0, stop: () => (stopped = true) };
  let stopped = false;
  const onFrame = () => {
    if (stopped) return;
    const at = nowMs();
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (w > 0 && h > 0) {
      const stripSourceHeight = (h * PATTERN.stripHeight) / PATTERN.height;
      ctx.drawImage(video, 0, 0, w, stripSourceHeight, 0, 0, PATTERN.width, PATTERN.stripHeight);
      const data = ctx.getImageData(0, 0, PATTERN.width, PATTERN.stripHeight).data;
      let bits = 0;
      for (let i = 0; i < PATTERN.bits; i++) {
        // Mean luma of the block's centre (8×16 px), away from edges that ringing blurs.
        let sum = 0;
        let count = 0;
        const x0 = i * PATTERN.blockWidth + 12;
        for (let y = 24; y < 40; y++) {
          for (let x = x0; x < x0 + 8; x++) {
            const o = (y * PATTERN.width + x) * 4;
            sum += data[o] * 0.299 + data[o + 1] * 0.587 + data[o + 2] * 0.114;
            count++;
          }
        }
        bits = (bits << 1) | (sum / count > 128 ? 1 : 0);
      }
      const counter = decode(bits >>> 0);
      if (counter === null) reader.undecodable++;
      else if (!known.has(counter)) {
        known.add(counter);
        reader.seen.push([counter, at]);
      }
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return reader;
}

/** Calls back with the time (epoch ms) at which the first frame `video` presents is reported. */
export function onFirstFrame(video: HTMLVideoElement, callback: (at: number) => void): void {
  video.requestVideoFrameCallback(() => callback(nowMs()));
}

/** Inbound/outbound video figures summed over peer connections, for the capacity ramp. */
export interface VideoStats {
  framesDecoded: number;
  framesDropped: number;
  framesReceived: number;
  packetsLost: number;
  packetsReceived: number;
  freezeCount: number;
  frameWidth: number;
  framesEncoded: number;
  framesSent: number;
}

/** Sums video inbound-rtp / outbound-rtp stats over `pcs`. */
export async function videoStats(pcs: RTCPeerConnection[]): Promise<VideoStats> {
  const totals: VideoStats = {
    framesDecoded: 0,
    framesDropped: 0,
    framesReceived: 0,
    packetsLost: 0,
    packetsReceived: 0,
    freezeCount: 0,
    frameWidth: 0,
    framesEncoded: 0,
    framesSent: 0,
  };
  for (const pc of pcs) {
    if (pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.kind !== 'video') return;
      if (s.type === 'inbound-rtp') {
        totals.framesDecoded += s.framesDecoded ?? 0;
        totals.framesDropped += s.framesDropped ?? 0;
        totals.framesReceived += s.framesReceived ?? 0;
        totals.packetsLost += s.packetsLost ?? 0;
        totals.packetsReceived += s.packetsReceived ?? 0;
        totals.freezeCount += s.freezeCount ?? 0;
        totals.frameWidth = Math.max(totals.frameWidth, s.frameWidth ?? 0);
      } else if (s.type === 'outbound-rtp') {
        totals.framesEncoded += s.framesEncoded ?? 0;
        totals.framesSent += s.framesSent ?? 0;
        totals.frameWidth = Math.max(totals.frameWidth, s.frameWidth ?? 0);
      }
    });
  }
  return totals;
}

/** Keeps every RTCPeerConnection the page opens (the SDK under test opens them itself). */
export function trackPeerConnections(): RTCPeerConnection[] {
  const pcs: RTCPeerConnection[] = [];
  const Native = window.RTCPeerConnection;
  class Tracked extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  }
  window.RTCPeerConnection = Tracked;
  return pcs;
}

/** A remote video the page plays, as the driver sees it. */
export interface RemoteVideo {
  key: string;
  video: HTMLVideoElement;
  firstFrameAt: number | null;
  reader: CounterReader | null;
}

/**
 * The remote videos a page plays and the local counter source, with the
 * read-back methods of {@link BenchPage} over them: each page adds its remote
 * videos as its SDK delivers them and spreads `methods` into `window.bench`.
 */
export class BenchProbes {
  private readonly remotes = new Map<string, RemoteVideo>();
  private isReading = false;
  /** The local frame-counter source while one is running. */
  counterSource: CounterSource | null = null;

  constructor(private readonly pcs: RTCPeerConnection[]) {}

  has(key: string): boolean {
    return this.remotes.has(key);
  }

  /** Watches `video` (first frame, and counters once reading) as remote `key`. */
  add(key: string, video: HTMLVideoElement): void {
    const entry: RemoteVideo = { key, video, firstFrameAt: null, reader: null };
    this.remotes.set(key, entry);
    onFirstFrame(video, (at) => (entry.firstFrameAt = at));
    if (this.isReading) entry.reader = startCounterReader(video);
  }

  remove(key: string): void {
    this.remotes.get(key)?.reader?.stop();
    this.remotes.delete(key);
  }

  /** Stops every reader and the counter source; forgets the remote videos. */
  clear(): void {
    for (const r of this.remotes.values()) r.reader?.stop();
    this.remotes.clear();
    this.isReading = false;
    this.counterSource?.stop();
    this.counterSource = null;
  }

  /** The read-back half of {@link BenchPage}. */
  readonly methods: Pick<BenchPage, 'firstFrames' | 'readCounters' | 'counters' | 'sentAt' | 'stats' | 'playing'> = {
    firstFrames: () => [...this.remotes.values()].map((r) => ({ key: r.key, at: r.firstFrameAt })),
    readCounters: () => {
      this.isReading = true;
      for (const r of this.remotes.values()) r.reader ??= startCounterReader(r.video);
    },
    counters: () =>
      [...this.remotes.values()].map((r) => ({ key: r.key, seen: r.reader?.seen ?? [], undecodable: r.reader?.undecodable ?? 0 })),
    sentAt: () => this.counterSource?.sentAt ?? [],
    stats: () => videoStats(this.pcs),
    playing: () => [...this.remotes.values()].filter((r) => r.video.videoWidth > 0).length,
  };
}

/** The API both benchmark pages expose as `window.bench` (driver ↔ page contract). */
export interface BenchPage {
  readonly sdk: 'ngx-trtc' | 'bare-ion';
  /** Joins `roomId` as `userId`; resolves with the join time (ms) measured inside the page. */
  join(options: { roomId: number; userId: string; e2ee?: boolean; vp8?: boolean }): Promise<{ joinMs: number }>;
  /**
   * Captures the local stream (not timed): the fake camera at `width×height@fps` (or the
   * counter pattern when `counter`), with audio unless `counter`.
   */
  prepare(options: { width: number; height: number; fps: number; bitrateKbps: number; counter?: boolean; audio?: boolean }): Promise<void>;
  /** Publishes the prepared stream; resolves with when publish() was called and how long it took to resolve. */
  publish(): Promise<{ startedAt: number; publishMs: number }>;
  /** ngx-trtc only: turns on preprocessing (beauty + colour + mirror); resolves with the pipeline kind. */
  setEffects?(on: boolean): Promise<string | null>;
  /** Epoch time of the first presented frame of each remote video (null while none). */
  firstFrames(): Array<{ key: string; at: number | null }>;
  /** Starts reading the counter pattern from every remote video, now and later. */
  readCounters(): void;
  /** Counters seen so far, per remote video. */
  counters(): Array<{ key: string; seen: Array<[number, number]>; undecodable: number }>;
  /** sentAt of the local counter source. */
  sentAt(): number[];
  /** Video stats over the page's peer connections. */
  stats(): Promise<VideoStats>;
  /** ngx-trtc only: the video codecs the page sends and receives (mimeTypes from the stats). */
  videoCodecs?(): Promise<{ send: string[]; receive: string[] }>;
  /** Number of remote videos playing (videoWidth > 0). */
  playing(): number;
  leave(): Promise<void>;
}
