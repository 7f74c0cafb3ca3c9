import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Serves one file from under `root`, or returns false when there is none (so the caller can 404).
 * Paths that climb out of `root` are refused; unknown types are sent as downloads, never sniffed.
 */
export async function serveFile(
  res: ServerResponse,
  root: string,
  urlPath: string,
  cacheControl: string,
  extraHeaders: Record<string, string> = {},
): Promise<boolean> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    return false;
  }
  const file = normalize(join(root, relative));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  const type = TYPES[extname(file)];
  res.writeHead(200, {
    'content-type': type ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
    ...(type ? {} : { 'content-disposition': 'attachment' }),
    ...extraHeaders,
  });
  createReadStream(file).pipe(res);
  return true;
}
