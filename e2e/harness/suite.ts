/**
 * One stack and one browser for a whole `describe`, started in beforeAll and
 * stopped in afterAll, plus new participant pages on the tutorial test page.
 */
import type { Browser, Page } from 'playwright-core';

import { launchBrowser } from './browser.js';
import { openTestPage } from './pages.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

/** What a suite using {@link useStackAndBrowser} gets. */
export interface StackSuite {
  readonly stack: Stack;
  readonly browser: Browser;
  /** A new participant: its own browser context, on the tutorial page. */
  newParticipant(pageName?: string): Promise<Page>;
}

/** Registers beforeAll/afterAll that start and stop a stack and a browser. */
export function useStackAndBrowser(options: StackOptions & { browserArgs?: string[] } = {}): StackSuite {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack(options);
    browser = await launchBrowser(stack, options.browserArgs);
  }, 120000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 30000);
  return {
    get stack() {
      if (!stack) throw new Error('the stack is not started yet');
      return stack;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not started yet');
      return browser;
    },
    async newParticipant(pageName = 'tutorial') {
      const page = await (await this.browser.newContext()).newPage();
      await openTestPage(page, this.stack, pageName);
      return page;
    },
  };
}
