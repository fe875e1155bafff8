import { startStack } from './harness/stack.ts';
import { launchBrowser } from './harness/browser.ts';
import { openTestPage } from './harness/pages.ts';
import { joinAndPublish } from './harness/tutorial.ts';
const stack = await startStack({ label: 'dbg', roomServerEnv: { ROOM_SERVER_LOG_LEVEL: 'debug' } });
const browser = await launchBrowser(stack);
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log('console:', m.text()));
  page.on('websocket', (ws) => { console.log('ws', ws.url()); ws.on('socketerror', (e) => console.log('socketerror', e)); ws.on('close', () => console.log('ws closed')); });
  await openTestPage(page, stack, 'tutorial');
  await joinAndPublish(page, { userId: 'alice', roomId: 1 }).catch((e) => console.log('ERR', e.message));
} finally { await browser.close(); await stack.stop(); }
import { readFileSync } from 'node:fs';
console.log(readFileSync(stack.roomServer.logFile, 'utf8').slice(-3000));
