/**
 * The sample conference app (projects/conference), served by room-server and
 * used through its lobby and controls by several participants, each in a
 * browser context of its own, through the real ion-sfu.
 */
import { mkdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import type { Browser } from 'playwright-core';

import { launchBrowser } from '../harness/browser.js';
import { ROOT, devSdkAppId, startStack, type Stack } from '../harness/stack.js';
import {
  captureCalls,
  leaveAndClose,
  openApp,
  openAndJoin,
  openAndJoinWithoutGesture,
  tileKeys,
  waitForTilesPlaying,
  type AppSession,
} from '../pages/conference-app.js';

const ADMIN_SECRET = 'e2e-admin-secret-0123456789';

describe('conference app', () => {
  let stack: Stack;
  let browser: Browser;
  let sessions: AppSession[] = [];
  let roomCounter = 0;

  const nextRoom = () => String(5100 + roomCounter++);

  beforeAll(async () => {
    stack = await startStack({ label: 'conference', roomServerEnv: { ROOM_SERVER_ADMIN_SECRET: ADMIN_SECRET } });
    // Screen capture without a picker: fake UI accepts, this flag picks the (fake) screen.
    browser = await launchBrowser(stack, ['--auto-select-desktop-capture-source=Entire screen']);
  }, 90000);

  afterEach(async () => {
    await Promise.all(sessions.map((s) => leaveAndClose(s)));
    sessions = [];
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 30000);

  async function joinAs(name: string, room: string, extra: { mode?: 'call' | 'live'; role?: 'anchor' | 'audience' } = {}) {
    const session = await openAndJoin(browser, stack, { name, room, ...extra });
    sessions.push(session);
    return session;
  }

  it('two participants see and hear each other, self-view mirrored', async () => {
    const room = nextRoom();
    const alice = await joinAs('alice', room);
    const bob = await joinAs('bob', room);

    await Promise.all([
      waitForTilesPlaying(alice.page, ['alice:main', 'bob:main']),
      waitForTilesPlaying(bob.page, ['alice:main', 'bob:main']),
    ]);

    const mirrored = await alice.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid=tile]')].map((t) => ({
        local: t.dataset['local'],
        mirrored: t.querySelector('video')!.classList.contains('trtc-mirrored'),
      })),
    );
    expect(mirrored).toEqual(
      jasmine.arrayWithExactContents([
        { local: 'true', mirrored: true },
        { local: 'false', mirrored: false },
      ]),
    );

    // Muting shows on the other side.
    await alice.page.getByTestId('mic-toggle').click();
    await bob.page.waitForSelector('[data-testid=tile][data-user-id=alice] [data-testid=tile-audio-muted]', { timeout: 20000 });
    await alice.page.getByTestId('mic-toggle').click();
    await bob.page.waitForSelector('[data-testid=tile][data-user-id=alice] [data-testid=tile-audio-muted]', {
      state: 'detached',
      timeout: 20000,
    });

    // Switching the microphone mid-call keeps the audio flowing to the other side.
    const mics = await alice.page.locator('[data-testid=room-mic-select] option').evaluateAll((options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    const current = await alice.page.getByTestId('room-mic-select').inputValue();
    const other = mics.find((id) => id !== current && id !== 'default');
    expect(other).withContext(`microphones: ${JSON.stringify(mics)}`).toBeDefined();
    await alice.page.getByTestId('room-mic-select').selectOption(other!);
    await waitForTilesPlaying(bob.page, ['alice:main', 'bob:main']);
    expect(await alice.page.getByTestId('room-notice').count()).toBe(0);
    expect(await alice.page.getByTestId('room-mic-select').inputValue()).toBe(other!);

    // Effects switch on live (the camera goes through the pipeline) and the video keeps flowing.
    await alice.page.getByTestId('room-mirror-toggle').check();
    await alice.page.getByTestId('room-beauty-range').fill('50');
    await Promise.all([
      waitForTilesPlaying(alice.page, ['alice:main', 'bob:main']),
      waitForTilesPlaying(bob.page, ['alice:main', 'bob:main']),
    ]);
    expect(await alice.page.getByTestId('room-notice').count()).toBe(0);
    // Published mirrored, so the self-view flips it back to stay a mirror image.
    expect(
      await alice.page.locator('[data-testid=tile][data-local=true] video').evaluate((v) => v.classList.contains('trtc-mirrored')),
    ).toBeFalse();

    // The stats panel fills in for the remote stream.
    await bob.page.getByTestId('stats-toggle').click();
    await bob.page.waitForFunction(
      () => {
        const row = document.querySelector('[data-testid=stats-row][data-key="alice:main"]');
        const cells = row ? [...row.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '') : [];
        return cells.length > 3 && cells[0] !== '0' && /\d+×\d+/.test(cells[2]);
      },
      null,
      { timeout: 30000, polling: 500 },
    );

    // Leaving removes the tile on the other side.
    await leaveAndClose(bob);
    sessions = sessions.filter((s) => s !== bob);
    await alice.page.waitForFunction(() => !document.querySelector('[data-testid=tile][data-user-id=bob]'), null, {
      timeout: 20000,
    });
  }, 240000);

  it('three participants: every tile plays; screenshot for the README', async () => {
    const room = nextRoom();
    const ada = await joinAs('ada', room);
    const grace = await joinAs('grace', room);
    const linus = await joinAs('linus', room);
    const all = ['ada:main', 'grace:main', 'linus:main'];

    await Promise.all([ada, grace, linus].map((s) => waitForTilesPlaying(s.page, all, 90000)));

    mkdirSync(joinPath(ROOT, 'docs/images'), { recursive: true });
    await grace.page.getByTestId('stats-toggle').click();
    await grace.page.waitForSelector('[data-testid=stats-row][data-key="linus:main"]', { timeout: 20000 });
    await grace.page.waitForTimeout(2500); // let the meters, network bars and bitrates fill in
    await grace.page.screenshot({ path: joinPath(ROOT, 'docs/images/conference-3-people.png') });
  }, 300000);

  it('live mode: the audience watches, goes on stage, and the anchor sees the new tile', async () => {
    const room = nextRoom();
    const anchor = await joinAs('host', room, { mode: 'live', role: 'anchor' });
    const viewer = await joinAs('viewer', room, { mode: 'live', role: 'audience' });

    await waitForTilesPlaying(viewer.page, ['host:main']);
    expect(await viewer.page.getByTestId('mic-toggle').count()).toBe(0);
    expect(await viewer.page.getByTestId('role-badge').textContent()).toContain('audience');
    // An audience never asks for the camera or microphone.
    expect(await captureCalls(viewer.page)).toBe(0);

    await viewer.page.getByTestId('role-toggle').click();
    await viewer.page.waitForFunction(
      () => document.querySelector('[data-testid=role-badge]')?.textContent?.includes('on stage'),
      null,
      { timeout: 30000 },
    );
    await Promise.all([
      waitForTilesPlaying(anchor.page, ['host:main', 'viewer:main'], 60000),
      waitForTilesPlaying(viewer.page, ['host:main', 'viewer:main'], 60000),
    ]);

    // And back to the audience: the tile goes away for the anchor.
    await viewer.page.getByTestId('role-toggle').click();
    await anchor.page.waitForFunction(() => !document.querySelector('[data-testid=tile][data-user-id=viewer]'), null, {
      timeout: 30000,
    });
  }, 240000);

  it('a screen share tile appears and disappears', async () => {
    const room = nextRoom();
    const presenter = await joinAs('presenter', room);
    const watcher = await joinAs('watcher', room);
    await waitForTilesPlaying(watcher.page, ['presenter:main', 'watcher:main']);

    await presenter.page.getByTestId('screen-toggle').click();
    await Promise.all([
      waitForTilesPlaying(watcher.page, ['presenter:auxiliary', 'presenter:main', 'watcher:main'], 60000),
      waitForTilesPlaying(presenter.page, ['presenter:auxiliary', 'presenter:main', 'watcher:main'], 60000),
    ]);

    await presenter.page.getByTestId('screen-toggle').click();
    await watcher.page.waitForFunction(
      () => !document.querySelector('[data-testid=tile][data-stream-type=auxiliary]'),
      null,
      { timeout: 30000 },
    );
    expect(await tileKeys(watcher.page)).toEqual(['presenter:main', 'watcher:main']);
  }, 240000);

  it('shows a reconnecting banner when the signaling link drops, and clears it once back', async () => {
    const room = nextRoom();
    const alice = await joinAs('ravi', room);
    const bob = await joinAs('sam', room);
    await Promise.all([
      waitForTilesPlaying(alice.page, ['ravi:main', 'sam:main']),
      waitForTilesPlaying(bob.page, ['ravi:main', 'sam:main']),
    ]);

    // room-server going away drops every client's WebSocket, as a deploy or a crash would.
    const restarted = stack.restartRoomServer();
    await Promise.all(
      [alice, bob].map((s) => s.page.getByTestId('reconnecting-banner').waitFor({ state: 'visible', timeout: 20000 })),
    );
    await restarted;

    await Promise.all(
      [alice, bob].map((s) => s.page.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 60000 })),
    );
    await Promise.all([
      waitForTilesPlaying(alice.page, ['ravi:main', 'sam:main'], 60000),
      waitForTilesPlaying(bob.page, ['ravi:main', 'sam:main'], 60000),
    ]);
    expect((await alice.page.getByTestId('connection-state').textContent())?.trim()).toBe('connected');
  }, 240000);

  it('tells the older tab it was removed when the same name joins again', async () => {
    const room = nextRoom();
    const first = await joinAs('twin', room);
    const second = await joinAs('twin', room);
    await first.page.waitForSelector('main[data-phase=lobby]', { timeout: 30000 });
    expect(await first.page.getByTestId('lobby-notice').textContent()).toMatch(/removed from the room.*another tab or device/);
    await waitForTilesPlaying(second.page, ['twin:main']);
  }, 180000);

  /** Calls room-server's admin API from inside the test network; resolves with the HTTP status. */
  async function admin(path: string, body: object): Promise<number> {
    const script = `fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json', 'x-admin-secret': process.argv[2] }, body: process.argv[3] })
      .then((r) => console.log(r.status), (e) => { console.error(e); process.exit(1); })`;
    return Number((await stack.runInNetwork(script, [`${stack.httpUrl}${path}`, ADMIN_SECRET, JSON.stringify(body)])).trim());
  }

  it('an administrator bans a participant: removed with the reason, refused while banned, back after unban', async () => {
    const room = nextRoom();
    const alice = await joinAs('alice', room);
    const bob = await joinAs('bob', room);
    await waitForTilesPlaying(bob.page, ['alice:main', 'bob:main']);
    const target = { sdkAppId: devSdkAppId(), roomId: Number(room), userId: 'alice' };

    expect(await admin('/admin/ban', { ...target, durationSec: 600, reason: 'e2e: off-topic' })).toBe(200);
    await alice.page.waitForSelector('main[data-phase=lobby]', { timeout: 30000 });
    expect(await alice.page.getByTestId('lobby-notice').textContent()).toMatch(/removed from the room by its administrator.*banned.*until.*e2e: off-topic/);
    await bob.page.waitForFunction(() => !document.querySelector('[data-testid=tile][data-user-id=alice]'), undefined, { timeout: 30000 });

    // Joining again while banned: refused, with until when and why, and the lobby stays.
    await alice.page.getByTestId('join-button').click();
    await alice.page.waitForFunction(
      () => /cannot join this room: banned/.test(document.querySelector('[data-testid=lobby-notice]')?.textContent ?? ''),
      undefined, { timeout: 60000 },
    );
    expect(await alice.page.getByTestId('lobby-notice').textContent()).toMatch(/until \d{4}-\d\d-\d\dT.*e2e: off-topic/);
    expect(await alice.page.locator('main').getAttribute('data-phase')).toBe('lobby');

    expect(await admin('/admin/unban', target)).toBe(200);
    await alice.page.getByTestId('join-button').click();
    await alice.page.waitForSelector('main[data-phase=room]', { timeout: 60000 });
    await Promise.all([
      waitForTilesPlaying(alice.page, ['alice:main', 'bob:main']),
      waitForTilesPlaying(bob.page, ['alice:main', 'bob:main']),
    ]);
  }, 240000);

  it('explains a failed join and stays in the lobby', async () => {
    const session = await openApp(browser, stack, { name: 'bad', room: 'x'.repeat(65) });
    sessions.push(session);
    expect(await session.page.getByTestId('join-button').isDisabled()).toBeTrue();
    await session.page.getByTestId('room-input').fill('5999');
    // A UserSig that does not verify: room-server refuses the join.
    await session.page.route('**/dev/usersig?*', (route) =>
      route.fulfill({ json: { sdkAppId: devSdkAppId(), userId: 'bad', userSig: 'not-a-valid-usersig', expire: 86400 } }),
    );
    await session.page.getByTestId('join-button').click();
    await session.page.getByTestId('lobby-notice').waitFor({ timeout: 60000 });
    const notice = await session.page.getByTestId('lobby-notice').textContent();
    expect(notice).toMatch(/not allowed|Could not join/i);
    expect(await session.page.locator('main').getAttribute('data-phase')).toBe('lobby');
  }, 120000);

  describe('when the browser blocks autoplay', () => {
    let strictBrowser: Browser;

    beforeAll(async () => {
      // The later --autoplay-policy wins over the harness's no-user-gesture-required.
      strictBrowser = await launchBrowser(stack, ['--autoplay-policy=document-user-activation-required']);
    }, 90000);

    afterAll(async () => {
      await strictBrowser?.close();
    });

    it('prompts, and the button resumes the remote audio', async () => {
      const room = nextRoom();
      await joinAs('talker', room, { mode: 'live', role: 'anchor' });
      // An audience captures nothing (capturing can itself allow autoplay), and joins without a gesture.
      const listener = await openAndJoinWithoutGesture(strictBrowser, stack, { name: 'listener', room, mode: 'live', role: 'audience' });
      sessions.push(listener);
      expect(await listener.prompted).toBe('e2e:autoplay-prompt activation=false');
      await listener.page.getByTestId('resume-button').click();
      await listener.page.getByTestId('autoplay-prompt').waitFor({ state: 'detached', timeout: 10000 });
      await waitForTilesPlaying(listener.page, ['talker:main']);
    }, 180000);
  });
});
