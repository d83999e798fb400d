import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { GatewayCore } from '@chatfleet/gateway-core';
import type { StaticFile } from './static-files.js';

const SECURITY_HEADERS: [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  // The page loads nothing from elsewhere and connects back only to its own host.
  [
    'content-security-policy',
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'",
  ],
];

function json(res: HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', 'application/json')
      .writeHeader('cache-control', 'no-store')
      .end(JSON.stringify(body));
  });
}

/** `/` and its assets, `/healthz`, and `/api/rooms`, on the WebSocket port. */
export function addHttpRoutes(
  app: TemplatedApp,
  core: GatewayCore,
  files: Map<string, StaticFile>,
): void {
  app.get('/healthz', (res) => {
    const h = core.health();
    json(res, h.ok ? '200 OK' : '503 Service Unavailable', h.detail);
  });

  app.get('/api/rooms', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    core.roomList().then(
      (rooms) => {
        if (!aborted) json(res, '200 OK', { rooms });
      },
      () => {
        if (!aborted) json(res, '503 Service Unavailable', { error: 'unavailable' });
      },
    );
  });

  app.get('/*', (res, req) => {
    const file = files.get(req.getUrl());
    res.cork(() => {
      if (!file) {
        res.writeStatus('404 Not Found').writeHeader('content-type', 'text/plain').end('not found');
        return;
      }
      res.writeStatus('200 OK').writeHeader('content-type', file.type);
      for (const [k, v] of SECURITY_HEADERS) res.writeHeader(k, v);
      res.writeHeader(
        'cache-control',
        req.getUrl() === '/' || req.getUrl().endsWith('.html') ? 'no-cache' : 'public, max-age=300',
      );
      res.end(file.body);
    });
  });
}
