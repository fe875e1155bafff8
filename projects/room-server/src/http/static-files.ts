/**
 * Serves a built single-page app from a directory: files by path, and
 * index.html for any other GET that looks like an app route (SPA fallback).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Serves files under `root`; resolves false when it did not handle the request. */
export function createStaticHandler(root: string): (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> {
  const base = resolve(root);
  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    if (decoded.includes('\0')) return false;
    const candidate = resolve(join(base, decoded));
    // Never outside the root, whatever ../ or encoded tricks the path holds.
    if (candidate !== base && !candidate.startsWith(base + sep)) return false;
    const file = (await regularFile(candidate)) ?? (await regularFile(join(candidate, 'index.html')));
    if (file) {
      sendFile(req, res, file);
      return true;
    }
    // SPA fallback: an extension-less path is an app route.
    if (extname(decoded) === '') {
      const index = await regularFile(join(base, 'index.html'));
      if (index) {
        sendFile(req, res, index);
        return true;
      }
    }
    return false;
  };
}

async function regularFile(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string): void {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  res.setHeader('content-type', type);
  res.setHeader('x-content-type-options', 'nosniff');
  // index.html must be revalidated so a new build is picked up; hashed assets may be cached.
  res.setHeader('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on('error', () => {
    if (!res.headersSent) res.statusCode = 500;
    res.destroy();
  });
  stream.pipe(res);
}
