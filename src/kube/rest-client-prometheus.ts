// client-go's rest_client_requests_total{code, host, method}: every request the operator's API clients send, by
// response code ('<error>' when none came). ESO exposes it (through controller-runtime), and it is the first place
// to look when an operator hammers or cannot reach the API server. One counter per registry.
import { Counter, type Registry } from 'prom-client';

const perRegistry = new WeakMap<Registry, Counter<'code' | 'host' | 'method'>>();

/** A KubeClientOptions.onRequestDone that counts into `registry`. */
export function restClientPrometheus(registry: Registry): (method: string, code: string, host: string) => void {
  let counter = perRegistry.get(registry);
  if (!counter) {
    counter = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host',
      labelNames: ['code', 'host', 'method'],
      registers: [registry],
    });
    perRegistry.set(registry, counter);
  }
  const requests = counter;
  return (method, code, host) => requests.inc({ code, host, method });
}
