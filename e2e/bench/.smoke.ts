import { startStack } from '/work/main/e2e/harness/stack.ts';
import { launchBrowser } from '/work/main/e2e/harness/browser.ts';
import { measureJoin, measureGlass } from '/work/main/e2e/bench/call-bench.ts';
const stack = await startStack({ label: 'bench-smoke' });
const browser = await launchBrowser(stack);
try {
  console.log(JSON.stringify(await measureJoin(stack, browser, 2, console.log), null, 1));
  console.log(JSON.stringify(await measureGlass(stack, browser, 1, 4, console.log), null, 1));
} finally { await browser.close(); await stack.stop(); }
