/**
 * Page object of the sample conference app (projects/conference), driven the
 * way a user drives it: through the lobby form and the room's controls, found
 * by data-testid. Runs on Node (Playwright), not in the page.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { Stack } from '../harness/stack.js';

/** What a participant types in the lobby. */
export interface Participant {
  name: string;
  room: string;
  mode?: 'call' | 'live';
  role?: 'anchor' | 'audience';
}

/** One browser context with the app open. */
export interface AppSession {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly name: string;
}

/** What a tile plays, as a user would see it. */
export interface TilePlayback {
  userId: string;
  type: string;
  local: boolean;
  width: number;
  time: number;
  audioTime: number | null;
}

const JOIN_TIMEOUT_MS = 60000;

/** Opens the app in a fresh context (its own devices, storage) with `?room=` from the invite link. */
export async function openApp(browser: Browser, stack: Stack, who: Participant): Promise<AppSession> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${who.name}] page error: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[${who.name}] console: ${msg.text()}`);
  });
  // Test instrumentation: count capture requests, so a spec can check an audience never asks for devices.
  await page.addInitScript(() => {
    const w = window as unknown as { e2eCaptureCalls: string[] };
    w.e2eCaptureCalls = [];
    const devices = navigator.mediaDevices;
    if (!devices) return;
    const getUserMedia = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints) => {
      w.e2eCaptureCalls.push('getUserMedia');
      return getUserMedia(constraints);
    };
  });
  const query = new URLSearchParams({ room: who.room });
  if (who.mode === 'live') query.set('mode', 'live');
  if (who.role) query.set('role', who.role);
  await page.goto(`${stack.httpUrl}/?${query}`);
  await page.getByTestId('name-input').waitFor({ timeout: 30000 });
  await page.getByTestId('name-input').fill(who.name);
  return { context, page, name: who.name };
}

/**
 * Opens the app and joins with no user gesture at all: Playwright's own page
 * calls count as gestures, so an init script fills the form and submits it,
 * and reports on the console (`e2e:autoplay-prompt`) when the app asks the
 * user to resume playback.
 */
export async function openAndJoinWithoutGesture(
  browser: Browser,
  stack: Stack,
  who: Participant,
): Promise<AppSession & { prompted: Promise<string> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const prompted = page
    .waitForEvent('console', { predicate: (m) => m.text().startsWith('e2e:autoplay-prompt'), timeout: 90000 })
    .then((m) => m.text());
  page.on('pageerror', (error) => console.error(`[${who.name}] page error: ${error.message}`));
  await page.addInitScript((name) => {
    const fill = setInterval(() => {
      const input = document.querySelector<HTMLInputElement>('[data-testid=name-input]');
      const button = document.querySelector<HTMLButtonElement>('[data-testid=join-button]');
      if (!input || !button) return;
      if (input.value !== name) {
        input.value = name;
        input.dispatchEvent(new Event('input'));
        return;
      }
      if (button.disabled) return;
      clearInterval(fill);
      button.closest('form')!.requestSubmit();
      const watch = setInterval(() => {
        if (!document.querySelector('[data-testid=autoplay-prompt]')) return;
        clearInterval(watch);
        console.log(`e2e:autoplay-prompt activation=${navigator.userActivation.hasBeenActive}`);
      }, 200);
    }, 200);
  }, who.name);
  const query = new URLSearchParams({ room: who.room });
  if (who.mode === 'live') query.set('mode', 'live');
  if (who.role) query.set('role', who.role);
  await page.goto(`${stack.httpUrl}/?${query}`);
  return { context, page, name: who.name, prompted };
}

/** Joins from the lobby; anchors first wait for their preview to play. */
export async function join(session: AppSession, options: { expectPreview?: boolean } = {}): Promise<void> {
  const { page } = session;
  if (options.expectPreview ?? true) {
    await page.waitForFunction(
      () => {
        const video = document.querySelector<HTMLVideoElement>('[data-testid=preview] video');
        return !!video && video.videoWidth > 0;
      },
      null,
      { timeout: 30000, polling: 250 },
    );
  }
  await page.getByTestId('join-button').click();
  await page.waitForSelector('main[data-phase=room]', { timeout: JOIN_TIMEOUT_MS });
}

/** Opens the app and joins. */
export async function openAndJoin(browser: Browser, stack: Stack, who: Participant): Promise<AppSession> {
  const session = await openApp(browser, stack, who);
  await join(session, { expectPreview: who.mode !== 'live' || who.role !== 'audience' });
  return session;
}

/** How many times the page asked for the camera or microphone. */
export function captureCalls(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { e2eCaptureCalls: string[] }).e2eCaptureCalls.length);
}

/** Every tile's video (and remote audio) playback position. */
export function tilePlayback(page: Page): Promise<TilePlayback[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=tile]')].map((tile) => {
      const video = tile.querySelector('video');
      const audio = tile.querySelector('audio');
      return {
        userId: tile.dataset['userId'] ?? '',
        type: tile.dataset['streamType'] ?? '',
        local: tile.dataset['local'] === 'true',
        width: video?.videoWidth ?? 0,
        time: video?.currentTime ?? 0,
        audioTime: audio?.srcObject ? audio.currentTime : null,
      };
    }),
  );
}

/**
 * Waits until the page shows exactly the tiles `expected` (`user:type`), each
 * with a video that has a size and whose time advances; remote camera tiles
 * must also play audio.
 */
export async function waitForTilesPlaying(page: Page, expected: string[], timeoutMs = 60000): Promise<void> {
  const want = [...expected].sort();
  await page.waitForFunction(
    (keys) => {
      const tiles = [...document.querySelectorAll<HTMLElement>('[data-testid=tile]')];
      const have = tiles.map((t) => `${t.dataset['userId']}:${t.dataset['streamType']}`).sort();
      if (JSON.stringify(have) !== JSON.stringify(keys)) return false;
      return tiles.every((t) => {
        const video = t.querySelector('video');
        return !!video && video.videoWidth > 0 && video.currentTime > 0.2;
      });
    },
    want,
    { timeout: timeoutMs, polling: 250 },
  );
  const before = await tilePlayback(page);
  await page.waitForTimeout(1500);
  const after = await tilePlayback(page);
  const stalled = after.filter((tile) => {
    const old = before.find((b) => b.userId === tile.userId && b.type === tile.type);
    if (!old || !(tile.time > old.time + 0.5)) return true;
    if (!tile.local && tile.type === 'main') return !(tile.audioTime !== null && old.audioTime !== null && tile.audioTime > old.audioTime + 0.5);
    return false;
  });
  if (stalled.length) throw new Error(`tiles not advancing: ${JSON.stringify({ before, after })}`);
}

/** The `user:type` keys of the tiles shown now. */
export function tileKeys(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=tile]')].map((t) => `${t.dataset['userId']}:${t.dataset['streamType']}`).sort(),
  );
}

/** Leaves through the Leave button and closes the context. */
export async function leaveAndClose(session: AppSession | undefined): Promise<void> {
  if (!session) return;
  try {
    const leave = session.page.getByTestId('leave-button');
    if (await leave.isVisible()) {
      await leave.click();
      await session.page.waitForSelector('main[data-phase=lobby]', { timeout: 10000 });
    }
  } catch {
    // A page that is already gone or stuck still gets its context closed below.
  }
  await session.context.close();
}
