// The operator's HTTP endpoint: /healthz (the process runs), /readyz (caches synced and, with leader election,
// either leading or standing by) and /metrics (Prometheus text format). Plain node:http: three fixed routes.
import { createServer, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OperatorHttpOptions {
  /** "host:port" or ":port" (ESO's --metrics-addr form); port 0 picks a free one. */
  address: string;
  registry: Registry;
  ready(): boolean;
}

export interface OperatorHttp {
  /** The bound "host:port". */
  address: string;
  close(): Promise<void>;
}

export function parseListenAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  if (index === -1) throw new Error(`invalid listen address "${address}": use host:port or :port (e.g. ":8080")`);
  const host = address.slice(0, index).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(address.slice(index + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port in listen address "${address}": use a number between 0 and 65535`);
  }
  return { host, port };
}

export async function startOperatorHttp(options: OperatorHttpOptions): Promise<OperatorHttp> {
  const { host, port } = parseListenAddress(options.address);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok' : 'not ready');
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => res.writeHead(500).end('metrics unavailable'),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: use /healthz, /readyz or /metrics');
    }
  });
  return listenOn(server, host, port);
}

/** Starts `server` listening; the bound "host:port" and a close that also ends kept-alive connections. */
export async function listenOn(
  server: Server | HttpsServer,
  host: string,
  port: number,
): Promise<{ address: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
