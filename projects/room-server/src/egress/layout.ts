/**
 * Resolves an egress layout (a grid, a trtc-js-sdk mix, one user's stream)
 * against a room's current members and streams: which stream goes in which
 * rectangle, which audio is mixed. Pure; the manager calls it whenever the
 * room changes and sends the worker the result.
 */
import type { Role, StreamInfo } from '../rooms/types.js';
import { PLACEHOLDER, type LayoutSpec, type MixUser, type ResolvedLayout, type Tile } from './types.js';

/** What a layout is resolved against. */
export interface RoomView {
  /** Members in join order. */
  readonly members: readonly { readonly userId: string; readonly role: Role }[];
  readonly streams: readonly StreamInfo[];
}

/** The output picture's size. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
}

/** The streams and rectangles of `spec` in `room`, on `canvas`. */
export function resolveLayout(spec: LayoutSpec, room: RoomView, canvas: Canvas): ResolvedLayout {
  switch (spec.kind) {
    case 'grid':
      return gridLayout(room, canvas);
    case 'single': {
      const stream = findStream(room, spec.userId, 'main');
      const tiles = stream?.hasVideo ? [tileOf(stream, { x: 0, y: 0, width: canvas.width, height: canvas.height, zOrder: 1 }, canvas)] : [];
      return { tiles: tiles.filter(isDrawable), audio: stream && hasLiveAudio(stream) ? [stream.streamId] : [] };
    }
    case 'mix':
      return mixLayout(spec.mode === 'preset-layout' ? fillPlaceholders(spec.mixUsers, spec.owner, room) : spec.mixUsers, room, canvas);
  }
}

/** Grid cells of `count` tiles: rows of ⌈√n⌉ columns, a short last row centred, the grid centred vertically. */
export function gridCells(count: number, canvas: Canvas): Array<{ x: number; y: number; width: number; height: number }> {
  if (count <= 0) return [];
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const width = even(canvas.width / cols);
  const height = even(canvas.height / rows);
  const top = even((canvas.height - rows * height) / 2);
  const cells: Array<{ x: number; y: number; width: number; height: number }> = [];
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? count - row * cols : cols;
    const left = even((canvas.width - inRow * width) / 2);
    cells.push({ x: left + (i % cols) * width, y: top + row * height, width, height });
  }
  return cells;
}

function gridLayout(room: RoomView, canvas: Canvas): ResolvedLayout {
  const order = new Map(room.members.map((m, i) => [m.userId, i] as const));
  const rank = (s: StreamInfo): number => (order.get(s.userId) ?? room.members.length) * 2 + (s.type === 'main' ? 0 : 1);
  const streams = [...room.streams].sort((a, b) => rank(a) - rank(b));
  const video = streams.filter((s) => s.hasVideo);
  const tiles = gridCells(video.length, canvas).map((cell, i) => tileOf(video[i]!, { ...cell, zOrder: 1 }, canvas));
  return { tiles: tiles.filter(isDrawable), audio: streams.filter(hasLiveAudio).map((s) => s.streamId) };
}

function mixLayout(users: readonly MixUser[], room: RoomView, canvas: Canvas): ResolvedLayout {
  const tiles: Tile[] = [];
  const audio: string[] = [];
  users.forEach((user) => {
    const stream = findStream(room, user.userId, user.streamType ?? 'main');
    if (!stream) return;
    if (hasLiveAudio(stream) && !audio.includes(stream.streamId)) audio.push(stream.streamId);
    if (user.pureAudio || !stream.hasVideo) return;
    const tile = tileOf(
      stream,
      { x: user.locationX ?? 0, y: user.locationY ?? 0, width: user.width ?? 0, height: user.height ?? 0, zOrder: user.zOrder ?? 1 },
      canvas,
    );
    if (isDrawable(tile)) tiles.push(tile);
  });
  // Stable: equal zOrders keep the caller's order.
  return { tiles: tiles.map((t, i) => ({ t, i })).sort((a, b) => a.t.zOrder - b.t.zOrder || a.i - b.i).map(({ t }) => t), audio };
}

/**
 * trtc-js-sdk's preset layout: `$PLACE_HOLDER_LOCAL_MAIN$` / `_SUB$` are the
 * caller's main and auxiliary streams; each `$PLACE_HOLDER_REMOTE$` takes the
 * next anchor (join order) not already placed.
 */
function fillPlaceholders(users: readonly MixUser[], owner: string, room: RoomView): MixUser[] {
  const named = new Set(users.map((u) => u.userId));
  const remotes = room.members
    .filter((m) => m.role === 'anchor' && m.userId !== owner && !named.has(m.userId))
    .filter((m) => room.streams.some((s) => s.userId === m.userId && s.type === 'main'))
    .map((m) => m.userId);
  const out: MixUser[] = [];
  for (const user of users) {
    if (user.userId === PLACEHOLDER.LOCAL_MAIN) out.push({ ...user, userId: owner, streamType: 'main' });
    else if (user.userId === PLACEHOLDER.LOCAL_SUB) out.push({ ...user, userId: owner, streamType: 'auxiliary' });
    else if (user.userId === PLACEHOLDER.REMOTE) {
      const next = remotes.shift();
      if (next !== undefined) out.push({ ...user, userId: next, streamType: 'main' });
    } else out.push(user);
  }
  return out;
}

function findStream(room: RoomView, userId: string, type: 'main' | 'auxiliary'): StreamInfo | undefined {
  return room.streams.find((s) => s.userId === userId && s.type === type);
}

function hasLiveAudio(stream: StreamInfo): boolean {
  return stream.hasAudio && !stream.audioMuted;
}

/** A rectangle clipped to the canvas, corners on even pixels (I420 chroma is subsampled 2×2). */
function tileOf(stream: StreamInfo, rect: { x: number; y: number; width: number; height: number; zOrder: number }, canvas: Canvas): Tile {
  const x0 = even(clamp(rect.x, 0, canvas.width));
  const y0 = even(clamp(rect.y, 0, canvas.height));
  const x1 = even(clamp(rect.x + rect.width, 0, canvas.width));
  const y1 = even(clamp(rect.y + rect.height, 0, canvas.height));
  return { streamId: stream.streamId, x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0), zOrder: rect.zOrder, isMuted: stream.videoMuted };
}

function isDrawable(tile: Tile): boolean {
  return tile.width >= 2 && tile.height >= 2;
}

function even(value: number): number {
  return Math.floor(value / 2) * 2;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
