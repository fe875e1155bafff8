#!/usr/bin/env node
/**
 * room-server CLI.
 *
 *   room-server [--config config/room-server.json] [--dev]      (or node dist/room-server/main.js …)
 *   node dist/room-server/main.js usersig --sdkAppId N --userId U [--expire S] [--config F]
 *   node dist/room-server/main.js privatemapkey --sdkAppId N --userId U --roomId R [--privileges P] [--expire S]
 */
import { parseArgs } from 'node:util';
import { generatePrivateMapKey } from './auth/private-map-key.js';
import { generateUserSig } from './auth/usersig.js';
import { ConfigError, loadConfig } from './config.js';
import { envHelp } from './config-env.js';
import { createLogger } from './log.js';
import { startRoomServer } from './server.js';
import { VERSION } from './version.js';


const USAGE = `usage:
  room-server [--config FILE] [--dev]
  room-server usersig --sdkAppId N --userId U [--expire SECONDS] [--config FILE]
  room-server privatemapkey --sdkAppId N --userId U --roomId R [--privileges BITS] [--expire SECONDS] [--config FILE]
  room-server --help | --version`;

const HELP = `room-server ${VERSION}: rooms, authentication and presence in front of ion-sfu.

${USAGE}

  --config FILE   JSON configuration (every key optional; default: none, or $ROOM_SERVER_CONFIG)
  --dev           enables GET /dev/usersig (never in production)

Environment variables override the file; secrets may instead name a file
holding the value in <NAME>_FILE (Docker secrets, systemd credentials):

${envHelp([['ROOM_SERVER_CONFIG', 'the configuration file, when --config is not given']])}`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      dev: { type: 'boolean' },
      sdkAppId: { type: 'string' },
      userId: { type: 'string' },
      roomId: { type: 'string' },
      privileges: { type: 'string' },
      expire: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  const file = values.config ?? (process.env['ROOM_SERVER_CONFIG'] || undefined);
  const config = loadConfig({ ...(file !== undefined ? { file } : {}), dev: values.dev === true });

  if (command === 'usersig' || command === 'privatemapkey') {
    const sdkAppId = values.sdkAppId !== undefined ? Number(values.sdkAppId) : config.apps[0]?.sdkAppId;
    const app = config.apps.find((a) => a.sdkAppId === sdkAppId);
    if (!app || values.userId === undefined) {
      console.error(app ? 'missing --userId' : `unknown sdkAppId ${values.sdkAppId ?? '(none configured)'}`);
      console.error(USAGE);
      return 2;
    }
    const expireSeconds = values.expire !== undefined ? Number(values.expire) : 86400;
    if (!Number.isSafeInteger(expireSeconds) || expireSeconds <= 0) {
      console.error('--expire must be a positive number of seconds');
      return 2;
    }
    if (command === 'usersig') {
      console.log(generateUserSig({ sdkAppId: app.sdkAppId, secretKey: app.secretKey, userId: values.userId, expireSeconds }));
      return 0;
    }
    if (values.roomId === undefined) {
      console.error('missing --roomId');
      return 2;
    }
    const roomId = /^\d+$/.test(values.roomId) ? Number(values.roomId) : values.roomId;
    const privileges = values.privileges !== undefined ? Number(values.privileges) : 255;
    console.log(generatePrivateMapKey({ sdkAppId: app.sdkAppId, secretKey: app.secretKey, userId: values.userId, roomId, privileges, expireSeconds }));
    return 0;
  }
  if (command !== 'serve') {
    console.error(`unknown command ${command}\n${USAGE}`);
    return 2;
  }

  const log = createLogger(config.logLevel);
  const server = await startRoomServer(config, { log });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      log.info('shutting down', { signal });
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      server.close().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
}

process.on('unhandledRejection', (reason) => {
  // Every promise is meant to be handled; one that is not is a bug to log, not a reason to drop every call.
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unhandled rejection', error: String(reason) }));
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError ? `config error: ${err.message}` : err);
    process.exitCode = 1;
  },
);
