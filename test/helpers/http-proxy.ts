// A forward proxy for tests of HTTPS_PROXY / HTTP_PROXY support: CONNECT tunnels (https targets) and absolute-form
// requests (http targets) to the host:port names in `routes`, which it sends to local ports, so clients can use
// names that do not resolve here (as real targets behind a corporate proxy need not resolve for the client). It
// records what went through it; anything not in `routes` is refused with 502.
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface HttpProxy {
  url: string;
  /** "CONNECT host:port" and "GET http://host:port/path" lines, in order. */
  seen: string[];
  stop(): Promise<void>;
}

export async function startHttpProxy(routes: Record<string, number>): Promise<HttpProxy> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    const port = routes[`${target.hostname}:${target.port || '80'}`];
    seen.push(`${req.method} ${req.url}`);
    if (!port) {
      res.writeHead(502).end('not routed by the test proxy');
      return;
    }
    const forward = request(
      { host: '127.0.0.1', port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end('upstream failed'));
    req.pipe(forward);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const port = routes[req.url ?? ''];
    if (!port) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
