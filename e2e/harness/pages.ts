/**
 * Test pages: small scripts that use ngx-trtc the way an app would (the TRTC
 * facade, as in the seed tutorials), bundled with esbuild from the library's
 * source and served from room-server's origin through Playwright routing, so
 * the page's WebSocket reaches the real room-server with a real Origin.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

import { ROOT, type Stack } from './stack.js';

const bundles = new Map<string, Promise<string>>();

/** Bundles `e2e/pages/<name>.ts` once per run. */
export function bundlePage(name: string): Promise<string> {
  let bundle = bundles.get(name);
  if (!bundle) {
    bundle = build({
      entryPoints: [join(ROOT, 'e2e/pages', `${name}.ts`)],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      platform: 'browser',
      tsconfig: join(ROOT, 'tsconfig.json'),
      sourcemap: 'inline',
      logLevel: 'silent',
    }).then((result) => result.outputFiles[0].text);
    bundles.set(name, bundle);
  }
  return bundle;
}

/** Opens `e2e/pages/<name>.ts` in `page` at `<httpUrl>/__e2e/<name>.html`. */
export async function openTestPage(page: Page, stack: Stack, name: string): Promise<void> {
  const script = await bundlePage(name);
  const url = `${stack.httpUrl}/__e2e/${name}.html`;
  await page.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head>
<body><div id="local" style="width:320px;height:240px"></div><div id="remotes"></div>
<script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`,
    }),
  );
  page.on('pageerror', (error) => console.error(`[${name}] page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { e2eReady?: boolean }).e2eReady === true, null, {
    timeout: 20000,
  });
}
