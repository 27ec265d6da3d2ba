// The process metrics ESO's Go Prometheus client exposes that prom-client's defaults lack:
// process_network_receive_bytes_total / process_network_transmit_bytes_total (all interfaces of the process's
// network namespace, from /proc/self/net/dev) and process_virtual_memory_max_bytes (the address-space limit from
// /proc/self/limits; "unlimited" reads as 2^64, as Go reports it). Read at scrape time; on systems without /proc
// the series are simply absent.
import { readFileSync } from 'node:fs';
import { Counter, Gauge, type Registry } from 'prom-client';

const UNLIMITED = 2 ** 64;

/** Summed receive and transmit bytes of /proc/self/net/dev's text. */
export function networkBytes(netDev: string): { received: number; transmitted: number } {
  let received = 0;
  let transmitted = 0;
  for (const line of netDev.split('\n').slice(2)) {
    const [, counters] = line.split(':');
    if (!counters) continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    received += fields[0] ?? 0;
    transmitted += fields[8] ?? 0;
  }
  return { received, transmitted };
}

/** The "Max address space" soft limit in bytes from /proc/self/limits' text (2^64 when unlimited). */
export function addressSpaceLimit(limits: string): number | undefined {
  const line = limits.split('\n').find((l) => l.startsWith('Max address space'));
  const soft = line?.slice('Max address space'.length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  return soft === 'unlimited' ? UNLIMITED : Number(soft);
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function registerProcessMetrics(registry: Registry): void {
  // Both network counters are collected in the same scrape: read the file once for them.
  let lastRead = { at: Number.NEGATIVE_INFINITY, bytes: undefined as ReturnType<typeof networkBytes> | undefined };
  const network = () => {
    const now = performance.now();
    if (now - lastRead.at > 1000) {
      const text = readProc('/proc/self/net/dev');
      lastRead = { at: now, bytes: text === undefined ? undefined : networkBytes(text) };
    }
    return lastRead.bytes;
  };
  const networkCounter = (name: string, help: string, pick: (bytes: ReturnType<typeof networkBytes>) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const bytes = network();
        this.reset();
        if (bytes) this.inc(pick(bytes));
      },
    });
  networkCounter(
    'process_network_receive_bytes_total',
    'Number of bytes received by the process over the network',
    (b) => b.received,
  );
  networkCounter(
    'process_network_transmit_bytes_total',
    'Number of bytes sent by the process over the network',
    (b) => b.transmitted,
  );
  new Gauge({
    name: 'process_virtual_memory_max_bytes',
    help: 'Maximum amount of virtual memory available in bytes',
    registers: [registry],
    collect() {
      const text = readProc('/proc/self/limits');
      const limit = text === undefined ? undefined : addressSpaceLimit(text);
      if (limit !== undefined) this.set(limit);
    },
  });
}
