/**
 * The browser matrix: one interface over Chromium (playwright-core) and
 * Firefox ESR (puppeteer-core over WebDriver BiDi), so a spec drives a
 * participant page the same way in either browser.
 *
 * The page API is the subset of Playwright's that the e2e helpers use
 * (evaluate, waitForFunction, waitForTimeout), so helpers written for a
 * Playwright `Page` take a {@link TestPage} unchanged.
 */
import type { Browser as PlaywrightBrowser, Page as PlaywrightPage } from 'playwright-core';
import type { Browser as PuppeteerBrowser, BrowserContext as PuppeteerContext, Page as PuppeteerPage } from 'puppeteer-core';

import { launchBrowser } from './browser.js';
import { launchFirefox, type FirefoxInstance } from './firefox.js';
import type { Stack } from './stack.js';

/** The browsers the harness drives. */
export type BrowserName = 'chromium' | 'firefox';

/** Every browser name, in matrix order. */
export const ALL_BROWSERS: readonly BrowserName[] = ['chromium', 'firefox'];

/**
 * The browsers this run covers: $E2E_BROWSERS (comma-separated, e.g.
 * `chromium` to skip Firefox while iterating), else all of them.
 */
export function matrixBrowsers(): BrowserName[] {
  const wanted = (process.env['E2E_BROWSERS'] ?? ALL_BROWSERS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of wanted) {
    if (!ALL_BROWSERS.includes(name as BrowserName)) throw new Error(`E2E_BROWSERS: unknown browser "${name}"`);
  }
  return wanted as BrowserName[];
}

/** Options of waiting helpers, as in Playwright. */
export interface WaitOptions {
  timeout?: number;
  /** Milliseconds between checks (a number: both drivers poll the same way). */
  polling?: number;
}

/** The page operations the e2e helpers use; Playwright's `Page` has the same shape. */
export interface PageLike {
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  waitForFunction<A>(fn: (arg: A) => unknown, arg: A, options?: WaitOptions): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
}

/** A participant's page in its own browser context (cookies, storage and devices of its own). */
export interface TestPage extends PageLike {
  readonly browserName: BrowserName;
  /** Loads `url`, answered with `html` by the driver's request routing (never the network). */
  gotoHtml(url: string, html: string): Promise<void>;
  /** Loads `url` from the network (e.g. the conference app that room-server serves). */
  goto(url: string): Promise<void>;
  /** Clicks the first element matching `selector` (a real input event: user activation). */
  click(selector: string): Promise<void>;
  /** Page errors (uncaught exceptions) are reported here. */
  onPageError(handler: (message: string) => void): void;
  /** Closes the page and its browser context. */
  close(): Promise<void>;
}

/** One running browser process. */
export interface TestBrowser {
  readonly name: BrowserName;
  /** The browser's own version string (e.g. `Chromium 156.0…`, `firefox 153.8.0esr`). */
  readonly version: string;
  /** A new page in a new browser context. */
  newPage(): Promise<TestPage>;
  /** Ends the browser process. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class ChromiumPage implements TestPage {
  readonly browserName = 'chromium' as const;
  constructor(readonly page: PlaywrightPage) {}
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<R>;
  }
  async waitForFunction<A>(fn: (arg: A) => unknown, arg: A, options: WaitOptions = {}): Promise<unknown> {
    return this.page.waitForFunction(fn as (arg: unknown) => unknown, arg, { timeout: options.timeout, polling: options.polling ?? 'raf' });
  }
  waitForTimeout(ms: number): Promise<void> {
    return this.page.waitForTimeout(ms);
  }
  async gotoHtml(url: string, html: string): Promise<void> {
    await this.page.route(url, (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await this.page.goto(url);
  }
  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }
  click(selector: string): Promise<void> {
    return this.page.click(selector);
  }
  onPageError(handler: (message: string) => void): void {
    this.page.on('pageerror', (error) => handler(error.message));
  }
  async close(): Promise<void> {
    await this.page.context().close();
  }
}

class FirefoxPage implements TestPage {
  readonly browserName = 'firefox' as const;
  private readonly routes = new Map<string, string>();
  private intercepting = false;
  constructor(
    readonly page: PuppeteerPage,
    private readonly context: PuppeteerContext,
  ) {}
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<R>;
  }
  async waitForFunction<A>(fn: (arg: A) => unknown, arg: A, options: WaitOptions = {}): Promise<unknown> {
    // Puppeteer's 'raf' polling stalls in a background headless tab; poll on a timer.
    return this.page.waitForFunction(fn as (arg: unknown) => unknown, { timeout: options.timeout, polling: options.polling ?? 100 }, arg);
  }
  waitForTimeout(ms: number): Promise<void> {
    return sleep(ms);
  }
  async gotoHtml(url: string, html: string): Promise<void> {
    this.routes.set(url, html);
    if (!this.intercepting) {
      this.intercepting = true;
      await this.page.setRequestInterception(true);
      this.page.on('request', (request) => {
        const body = this.routes.get(request.url());
        if (body !== undefined) void request.respond({ status: 200, contentType: 'text/html', body });
        else void request.continue();
      });
    }
    await this.page.goto(url);
  }
  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }
  click(selector: string): Promise<void> {
    return this.page.click(selector);
  }
  onPageError(handler: (message: string) => void): void {
    this.page.on('pageerror', (error) => handler(error instanceof Error ? error.message : String(error)));
  }
  async close(): Promise<void> {
    await this.context.close();
  }
}

function chromiumBrowser(browser: PlaywrightBrowser): TestBrowser {
  return {
    name: 'chromium',
    version: `Chromium ${browser.version()}`,
    async newPage() {
      const context = await browser.newContext();
      return new ChromiumPage(await context.newPage());
    },
    close: () => browser.close(),
  };
}

async function firefoxBrowser(instance: FirefoxInstance): Promise<TestBrowser> {
  const browser: PuppeteerBrowser = instance.browser;
  return {
    name: 'firefox',
    version: await browser.version(),
    async newPage() {
      const context = await browser.createBrowserContext();
      return new FirefoxPage(await context.newPage(), context);
    },
    close: () => instance.close(),
  };
}

/** Launches one browser process of `name` inside the stack's network. */
export async function launchTestBrowser(
  name: BrowserName,
  stack: Stack,
  options: { chromiumArgs?: string[]; firefoxPrefs?: Record<string, unknown> } = {},
): Promise<TestBrowser> {
  if (name === 'chromium') return chromiumBrowser(await launchBrowser(stack, options.chromiumArgs));
  return firefoxBrowser(await launchFirefox(stack, { prefs: options.firefoxPrefs }));
}
