import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The page's files (services/control/status-page/), the same from src/ and from dist/. */
const PAGE_DIR = new URL('../status-page/', import.meta.url);

/** Static page files by URL path: loadable without the token (they hold no data; the page asks for it). */
const FILES: Record<string, { file: string; type: string }> = {
  '/status': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/status/status-page.css': { file: 'status-page.css', type: 'text/css; charset=utf-8' },
  '/status/status-page.js': { file: 'status-page.js', type: 'text/javascript; charset=utf-8' },
};

/** Whether a request is for the page itself (the one thing answered without the bearer token). */
export function isStatusPagePath(method: string, url: string): boolean {
  const path = url.split('?', 1)[0] ?? url;
  return (method === 'GET' || method === 'HEAD') && (path === '/' || path in FILES);
}

/**
 * The status page: GET /status (and / redirects there). A static HTML, CSS and JS page that asks for
 * the token, keeps it in sessionStorage and calls /v1/tables with it. Only its own scripts and styles
 * may run (Content-Security-Policy), and it may not be framed.
 */
export function addStatusPage(app: FastifyInstance): void {
  const bodies = Object.entries(FILES).map(([path, { file, type }]) => ({ path, type, body: readFileSync(new URL(file, PAGE_DIR)) }));
  for (const { path, type, body } of bodies) {
    app.get(path, async (_request, reply) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body),
    );
  }
  app.get('/', async (_request, reply) => reply.redirect('/status'));
}
