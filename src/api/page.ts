// GET / and its two assets, read from src/api/page/ as they are (no build step). Only these files are
// served: a request path never becomes a file path.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const PAGE_DIR = new URL('./page/', import.meta.url);

/** URL path → file in page/ and its content type. */
export const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/board.js': { file: 'board.js', type: 'text/javascript; charset=utf-8' },
  '/board.css': { file: 'board.css', type: 'text/css; charset=utf-8' },
};

// The page loads nothing from elsewhere and runs no inline script; a policy that says so limits the harm a
// station title could do if it ever reached the DOM as markup.
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export async function servePage(res: ServerResponse, path: string): Promise<boolean> {
  const entry = PAGE_FILES[path];
  if (!entry) return false;
  const body = await readFile(new URL(entry.file, PAGE_DIR));
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
  return true;
}
