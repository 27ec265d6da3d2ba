// Plumbing the service doubles share: reading a request body, and listening on a plain HTTP port that is also an
// HTTPS proxy whose CONNECT tunnels end in the double's own HTTPS server (for clients that cannot be given another
// host, only a proxy), with every socket closed on stop.
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface DoubleServers {
  /** http://127.0.0.1:<port>: plain HTTP, and the proxy URL. */
  httpUrl: string;
  /** Port of the HTTPS server, when there is one. */
  httpsPort?: number;
  stop(): Promise<void>;
}

/** Starts the double: `http` on a plain port; `https` (certificate, key, handler) also reached by CONNECT. */
export async function listenDouble(options: {
  http: Handler;
  https?: { cert: string; key: string; handler: Handler };
}): Promise<DoubleServers> {
  const wrap = (handler: Handler) => (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((error) => res.writeHead(500).end(String(error)));
  };
  const http: HttpServer = createHttpServer(wrap(options.http));
  const https: HttpsServer | undefined = options.https
    ? createHttpsServer({ cert: options.https.cert, key: options.https.key }, wrap(options.https.handler))
    : undefined;
  const servers = https ? [http, https] : [http];
  const sockets = new Set<Socket>();
  for (const server of servers) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  http.on('connect', (_req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!https) {
      socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    https.emit('connection', socket);
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  return {
    httpUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    httpsPort: https ? (https.address() as AddressInfo).port : undefined,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
