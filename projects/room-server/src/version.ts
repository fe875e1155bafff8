/** room-server's version, as in its package.json (packaging/specs/server-package.spec.ts compares `--version` with the packed manifest). */
export const VERSION = '0.1.0';
