/**
 * Firefox for e2e tests: the stock system firefox-esr, driven over WebDriver
 * BiDi by puppeteer-core, started inside the test network with fake camera,
 * microphone and screen.
 *
 * Puppeteer's own launcher cannot be used inside a namespace: Firefox's BiDi
 * server listens on the namespace's 127.0.0.1, which the test process (on the
 * host) cannot reach. So the harness starts Firefox itself (a tracked
 * process), plus a tiny TCP forwarder inside the namespace from the veth
 * address to that port, and connects puppeteer to the forwarder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser as BrowserKind, createProfile } from '@puppeteer/browsers';
import puppeteer, { type Browser } from 'puppeteer-core';

import { startProcess, stopProcess, type TrackedProcess } from './processes.js';
import type { Stack } from './stack.js';

/**
 * Preferences for fake media in a closed network (see docs/testing.md).
 * The values are what Firefox's own media mochitests set.
 */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
  // Fake camera (a moving colour pattern) and microphone (a 1 kHz tone), no prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // getDisplayMedia: no picker; with fake streams on it captures a fake "screen".
  'media.getdisplaymedia.enabled': true,
  // Candidates carry plain addresses, as with Chromium's WebRtcHideLocalIpsWithMdns off.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // Remote video and audio play without a user gesture (as Chromium's autoplay flag).
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.autoplay.block-webaudio': false,
  // No captive-portal or connectivity probes, no telemetry pings: the namespace has no way out.
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'toolkit.telemetry.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  // Headless, with no compositor: keep video decoding and canvas in software.
  'gfx.webrender.software': true,
};

/** The firefox-esr binary: $FIREFOX_BIN (scripts/lib.sh ensure_firefox sets it), else Debian's. */
export function firefoxBinary(): string {
  return process.env['FIREFOX_BIN'] || '/usr/bin/firefox-esr';
}

/** A running Firefox and the puppeteer connection to it. */
export interface FirefoxInstance {
  readonly browser: Browser;
  readonly process: TrackedProcess;
  /** Disconnects, ends Firefox and the forwarder by PID, removes the profile. */
  close(): Promise<void>;
}

/** Forwards `listenHost:listenPort` to 127.0.0.1:`targetPort` inside the namespace. */
const FORWARDER = `
const net = require('node:net');
const [host, port, target] = process.argv.slice(1);
net.createServer((client) => {
  const upstream = net.connect(Number(target), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
}).listen(Number(port), host, () => console.log('forwarding ' + host + ':' + port));`;

const BIDI_PORT = 9222;
const FORWARD_PORT = 9223;

/** Launches Firefox inside the stack's network and connects puppeteer to it over WebDriver BiDi. */
export async function launchFirefox(
  stack: Stack,
  options: { prefs?: Record<string, unknown> } = {},
): Promise<FirefoxInstance> {
  const profile = mkdtempSync(join(tmpdir(), 'ngx-trtc-firefox-'));
  await createProfile(BrowserKind.FIREFOX, { path: profile, preferences: { ...FIREFOX_PREFS, ...options.prefs } });
  const network = stack.network;
  const address = network.mediaAddress;
  const args = [
    '--headless',
    '--no-remote',
    '--profile', profile,
    `--remote-debugging-port=${network.namespace ? BIDI_PORT : 0}`,
    'about:blank',
  ];
  const command = network.wrap(firefoxBinary(), args);
  const firefox = startProcess('firefox', command.command, command.args, {
    logDir: stack.logDir,
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1', MOZ_HEADLESS: '1' },
  });
  let forwarder: TrackedProcess | undefined;
  const close = async () => {
    await Promise.all([forwarder, firefox].filter((p): p is TrackedProcess => !!p).map((p) => stopProcess(p)));
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const line = await firefox.waitForOutput(/WebDriver BiDi listening on (ws:\/\/\S+)/, 60000);
    let endpoint = /ws:\/\/\S+/.exec(line)![0];
    if (address) {
      const fwd = network.wrap(process.execPath, ['-e', FORWARDER, address, String(FORWARD_PORT), String(BIDI_PORT)]);
      forwarder = startProcess('firefox-bidi-forwarder', fwd.command, fwd.args, { logDir: stack.logDir });
      await forwarder.waitForOutput(/forwarding/, 10000);
      endpoint = `ws://${address}:${FORWARD_PORT}`;
    }
    const browser = await puppeteer.connect({
      browserWSEndpoint: `${endpoint}/session`,
      protocol: 'webDriverBiDi',
      defaultViewport: null,
      protocolTimeout: 60000,
      // Firefox's BiDi server refuses a Host it does not listen on (400), and the
      // forwarder's address is not one: name the port Firefox listens on.
      headers: address ? { Host: `127.0.0.1:${BIDI_PORT}` } : undefined,
    });
    return {
      browser,
      process: firefox,
      async close() {
        await browser.close().catch(() => undefined); // ends the session; Firefox may exit by itself
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
