// The error-code table is written three times: room-server's RpcErrorCode
// (what the server sends), the library's RoomErrorCode (what the client
// maps to RtcError codes) and docs/protocol.md (the contract). This spec
// keeps them equal, so a code added or renumbered in one place fails here
// instead of turning into an UNKNOWN error on a user's screen.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { RpcErrorCode } from '../src/rpc/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `NAME: code` pairs of the `RoomErrorCode = { … }` object literal in the library's protocol.ts. */
function clientTable(): Record<string, number> {
  const source = readFileSync(join(root, 'projects/ngx-trtc/src/lib/signal/protocol.ts'), 'utf8');
  const block = /export const RoomErrorCode = \{([\s\S]*?)\} as const;/.exec(source);
  if (!block) throw new Error('RoomErrorCode not found in protocol.ts');
  const table: Record<string, number> = {};
  for (const m of block[1].matchAll(/^\s*([A-Z_]+):\s*(-?\d+),/gm)) table[m[1]] = Number(m[2]);
  return table;
}

/** `| code | \`NAME\` | … |` rows of docs/protocol.md. */
function documentedTable(): Record<string, number> {
  const doc = readFileSync(join(root, 'docs/protocol.md'), 'utf8');
  const table: Record<string, number> = {};
  for (const m of doc.matchAll(/^\| (-?\d+) \| `([A-Z_]+)` \|/gm)) table[m[2]] = Number(m[1]);
  return table;
}

describe('error-code table', () => {
  const server: Record<string, number> = { ...RpcErrorCode };

  it('the library knows every code room-server sends, with the same number', () => {
    expect(clientTable()).toEqual(server);
  });

  it('docs/protocol.md documents every code, with the same number', () => {
    expect(documentedTable()).toEqual(server);
  });
});
