// A TCP proxy in front of the API server for fault injection: 'forward' passes bytes through, 'blackhole' keeps
// connections open but drops every byte (a half-open connection: nothing arrives, nothing fails), 'refuse'
// resets every open connection and every new one (the server "went away").
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export type ProxyMode = 'forward' | 'blackhole' | 'refuse';

export interface FaultProxy {
  kc: KubeConfig;
  setMode(mode: ProxyMode): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: KubeConfig): Promise<FaultProxy> {
  const server = target.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const upstream = new URL(server);
  let mode: ProxyMode = 'forward';
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();

  const proxy: Server = createServer((client) => {
    accepted++;
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const remote = connect(Number(upstream.port), upstream.hostname);
    const pair: [Socket, Socket] = [client, remote];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (mode === 'forward') to.write(chunk);
      });
    forward(client, remote);
    forward(remote, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      remote.destroy();
    };
    client.on('error', end).on('close', end);
    remote.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no TCP address');

  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: target.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${address.port}` })),
    users: target.users,
    contexts: target.contexts,
    currentContext: target.currentContext,
  });

  return {
    kc,
    setMode(next) {
      mode = next;
      if (next === 'refuse') {
        for (const [client, remote] of pairs) {
          client.resetAndDestroy();
          remote.destroy();
        }
        pairs.clear();
      }
    },
    connections: () => accepted,
    async close() {
      for (const [client, remote] of pairs) {
        client.destroy();
        remote.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
