/**
 * One stack and one process per browser type for a whole `describe`, and the
 * browser pairs a mixed-browser spec runs (C↔C, C→F, F→C, F↔F). Each
 * participant gets a new browser context (a new page), never a new process,
 * so the matrix costs one browser start per browser type.
 */
import { bundlePage } from './pages.js';
import { launchTestBrowser, matrixBrowsers, type BrowserName, type TestBrowser, type TestPage } from './browsers.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

/** Two browsers in join order: `first` joins (and publishes) before `second`. */
export interface BrowserPair {
  readonly first: BrowserName;
  readonly second: BrowserName;
  /** `C→F` style label for spec names and logs. */
  readonly label: string;
}

const LETTER: Record<BrowserName, string> = { chromium: 'C', firefox: 'F' };

/** Every ordered pair of the run's browsers (both join orders of a mixed pair). */
export function browserPairs(browsers: readonly BrowserName[] = matrixBrowsers()): BrowserPair[] {
  return browsers.flatMap((first) =>
    browsers.map((second) => ({ first, second, label: `${LETTER[first]}→${LETTER[second]}` })),
  );
}

/** What a suite using {@link useStackAndBrowsers} gets. */
export interface MatrixSuite {
  readonly stack: Stack;
  /** The running browser of `name`. */
  browser(name: BrowserName): TestBrowser;
  /** A new participant in `name`: its own context, on the e2e test page `pageName`. */
  newParticipant(name: BrowserName, pageName?: string): Promise<TestPage>;
}

/** Opens `e2e/pages/<name>.ts` in a matrix page at `<httpUrl>/__e2e/<name>.html`. */
export async function openMatrixPage(page: TestPage, stack: Stack, name: string): Promise<void> {
  const script = await bundlePage(name);
  page.onPageError((message) => console.error(`[${page.browserName} ${name}] page error: ${message}`));
  await page.gotoHtml(
    `${stack.httpUrl}/__e2e/${name}.html`,
    `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head>
<body><div id="local" style="width:320px;height:240px"></div><div id="remotes"></div>
<script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`,
  );
  await page.waitForFunction(() => (window as unknown as { e2eReady?: boolean }).e2eReady === true, null, {
    timeout: 20000,
  });
}

/**
 * Registers beforeAll/afterAll that start a stack (with the default route
 * Firefox needs) and one process of each browser in `browsers`.
 */
export function useStackAndBrowsers(
  options: StackOptions & {
    browsers?: readonly BrowserName[];
    chromiumArgs?: string[];
    firefoxPrefs?: Record<string, unknown>;
  } = {},
): MatrixSuite {
  const names = options.browsers ?? matrixBrowsers();
  let stack: Stack | undefined;
  const browsers = new Map<BrowserName, TestBrowser>();
  beforeAll(async () => {
    stack = await startStack({ defaultRoute: true, ...options });
    for (const name of names) browsers.set(name, await launchTestBrowser(name, stack, options));
  }, 180000);
  afterAll(async () => {
    await Promise.all([...browsers.values()].map((b) => b.close().catch((e) => console.error(`[matrix] ${b.name} close: ${e}`))));
    browsers.clear();
    await stack?.stop();
  }, 60000);
  const suite: MatrixSuite = {
    get stack() {
      if (!stack) throw new Error('the stack is not started yet');
      return stack;
    },
    browser(name) {
      const browser = browsers.get(name);
      if (!browser) throw new Error(`${name} is not started in this suite`);
      return browser;
    },
    async newParticipant(name, pageName = 'tutorial') {
      const page = await suite.browser(name).newPage();
      await openMatrixPage(page, suite.stack, pageName);
      return page;
    },
  };
  return suite;
}
