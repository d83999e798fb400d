import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Health {
  /** false while draining or degraded: load balancers stop sending new connections. */
  ok: boolean;
  /** Shown as JSON; `status` defaults to ok or draining. */
  detail: Record<string, unknown>;
}

/** Serves /metrics and /healthz on the service's metrics port. */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  health: () => Health,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (path === '/healthz') {
      const h = health();
      res
        .writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: h.ok ? 'ok' : 'draining', ...h.detail }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
