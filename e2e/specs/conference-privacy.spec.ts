/**
 * The conference app's privacy controls, used as a user would through the
 * real ion-sfu: the lobby's E2EE passphrase (a lock in the room header, media
 * only between those who typed the same one) and the noise-suppression toggle
 * (lobby and room). RNNoise's effect on the audio itself is measured by
 * noise-suppression.spec.ts; E2EE's frames by e2ee.spec.ts.
 */
import type { Browser } from 'playwright-core';

import { launchBrowser } from '../harness/browser.js';
import { startStack, type Stack } from '../harness/stack.js';
import { join, leaveAndClose, openApp, waitForTilesPlaying, type AppSession } from '../pages/conference-app.js';

describe('conference app: E2EE passphrase and noise suppression', () => {
  let stack: Stack;
  let browser: Browser;
  let sessions: AppSession[] = [];

  beforeAll(async () => {
    stack = await startStack({ label: 'privacy' });
    browser = await launchBrowser(stack);
  }, 90000);

  afterEach(async () => {
    await Promise.all(sessions.map((s) => leaveAndClose(s)));
    sessions = [];
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 30000);

  async function joinWith(name: string, room: string, options: { passphrase?: string; noiseSuppression?: boolean } = {}): Promise<AppSession> {
    const session = await openApp(browser, stack, { name, room });
    sessions.push(session);
    if (options.passphrase) await session.page.getByTestId('passphrase-input').fill(options.passphrase);
    if (options.noiseSuppression) await session.page.getByTestId('ns-toggle').check();
    await join(session);
    return session;
  }

  it('the same passphrase gives an encrypted call with a lock; a different one sees a reason instead of media', async () => {
    const room = String(5900 + Math.floor(Math.random() * 90));
    const alice = await joinWith('alice', room, { passphrase: 'correct horse battery staple', noiseSuppression: true });
    const bob = await joinWith('bob', room, { passphrase: 'correct horse battery staple' });
    await Promise.all([waitForTilesPlaying(alice.page, ['alice:main', 'bob:main']), waitForTilesPlaying(bob.page, ['alice:main', 'bob:main'])]);
    for (const s of [alice, bob]) {
      await s.page.getByTestId('e2ee-lock').waitFor({ timeout: 5000 });
      expect(await s.page.getByTestId('e2ee-problem').count()).toBe(0);
    }
    // The lobby's noise-suppression choice carried into the call, without an error.
    expect(await alice.page.getByTestId('room-ns-toggle').isChecked()).toBeTrue();
    expect(await alice.page.getByTestId('room-notice').count()).toBe(0);

    // Another passphrase: carol is told why alice and bob do not show, and they are told about her.
    const carol = await joinWith('carol', room, { passphrase: 'a different phrase' });
    await carol.page.waitForFunction(
      () => {
        const texts = [...document.querySelectorAll('[data-testid=e2ee-problem]')].map((b) => b.textContent ?? '');
        return ['alice', 'bob'].every((u) => texts.some((t) => t.includes(u) && t.includes('cannot decrypt')));
      },
      null,
      { timeout: 30000, polling: 250 },
    );
    await alice.page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid=e2ee-problem]')].some((b) => (b.textContent ?? '').includes('carol')),
      null,
      { timeout: 30000, polling: 250 },
    );
    const carolSees = await carol.page.evaluate(() =>
      [...document.querySelectorAll<HTMLVideoElement>('[data-testid=tile][data-local=false] video')].map((v) => v.videoWidth),
    );
    expect(carolSees.every((w) => w === 0)).withContext(`carol's remote video widths ${carolSees}`).toBeTrue();

    // Noise suppression off and on again mid-call: the call goes on, no error.
    await alice.page.getByTestId('room-ns-toggle').uncheck();
    await alice.page.getByTestId('room-ns-toggle').check();
    await waitForAdvancing(bob, 'alice');
    expect(await alice.page.getByTestId('room-notice').count()).toBe(0);
  }, 240000);

  it('without a passphrase the room says it is not encrypted', async () => {
    const room = String(5990 + Math.floor(Math.random() * 9));
    const dave = await joinWith('dave', room);
    await dave.page.getByTestId('e2ee-open').waitFor({ timeout: 5000 });
    expect(await dave.page.getByTestId('e2ee-lock').count()).toBe(0);
  }, 120000);
});

/** Waits until `user`'s tile on `session`'s page plays video that advances. */
async function waitForAdvancing(session: AppSession, user: string): Promise<void> {
  const time = () =>
    session.page.evaluate((u) => document.querySelector<HTMLVideoElement>(`[data-testid=tile][data-user-id="${u}"] video`)?.currentTime ?? 0, user);
  const t0 = await time();
  await session.page.waitForTimeout(2000);
  expect(await time()).toBeGreaterThan(t0 + 1);
}
