/**
 * Chromium for e2e tests: the system browser driven by playwright-core,
 * started inside the test network with fake camera and microphone.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

import type { Stack } from './stack.js';

/** Flags for a closed network and fake media (see README "Tests"). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // One --disable-features list (Playwright merges it with its own). LocalNetworkAccessChecks:
  // test pages are fulfilled by Playwright routing, which Chromium treats as a public
  // origin, and would then refuse their WebSocket to room-server on 127.0.0.1.
  '--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks',
  '--use-fake-device-for-media-stream=fps=30',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

function chromeBinary(): string {
  return process.env['CHROME_BIN'] || '/usr/lib/chromium/chromium';
}

/**
 * Launches Chromium inside the stack's network. Playwright gives each launch
 * a fresh temporary --user-data-dir and ends the browser process on close().
 */
export async function launchBrowser(stack: Stack, extraArgs: string[] = []): Promise<Browser> {
  let executablePath = chromeBinary();
  if (stack.network.namespace) {
    // `ip netns exec` execs Chromium in place, so the PID Playwright tracks is Chromium's own.
    const wrapperDir = join(stack.logDir, 'bin');
    mkdirSync(wrapperDir, { recursive: true });
    executablePath = join(wrapperDir, 'chromium-in-netns.sh');
    writeFileSync(
      executablePath,
      `#!/bin/sh\nexec ip netns exec ${stack.network.namespace} ${chromeBinary()} "$@"\n`,
    );
    chmodSync(executablePath, 0o755);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraArgs],
    timeout: 60000,
  });
}
