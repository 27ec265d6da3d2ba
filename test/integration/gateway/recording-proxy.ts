// A TCP proxy that records every byte in both directions, to check what crosses the gateway-store link.
import { connect, createServer, type Socket } from 'node:net';

export interface RecordingProxy {
  url: string;
  /** Everything sent gateway -> store and store -> gateway so far. */
  captured(): Buffer;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const remote = connect(Number(upstream.port), upstream.hostname);
    for (const s of [client, remote]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (c: Buffer) => {
      chunks.push(Buffer.from(c));
      remote.write(c);
    });
    remote.on('data', (c: Buffer) => {
      chunks.push(Buffer.from(c));
      client.write(c);
    });
    const end = () => {
      client.destroy();
      remote.destroy();
    };
    client.on('error', end).on('close', end);
    remote.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no TCP address');
  return {
    url: `${upstream.protocol}//127.0.0.1:${address.port}`,
    captured: () => Buffer.concat(chunks),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
