// Runs the operator alone in this process, for the benchmarks that measure it from outside: rss.ts (memory) and
// sync.ts (time and CPU with the operator in its own process, as in a cluster and as ESO runs there).
// Usage: node --import tsx bench/sync/run-operator.ts <kubeconfig> [--concurrency 10] [--qps 1000] [--burst 2000]
//          [--controller-class C] [--provider-delay-ms 0] [--coalesce-window-ms N] [--eso-status-writes]
// Started with an IPC channel (sync.ts), it loads everything, says {type: 'ready'}, and starts the operator only
// on {type: 'start'}, so module loading is not timed; {type: 'stats'} answers with the operator's metrics text and
// the fake provider's call count. Without IPC (rss.ts) it starts at once and prints "started".
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Kubeconfig } from '../../src/kube/index.js';
import { startOperator } from '../../src/operator/index.js';
import { defaultProviderRegistry, FakeSecretsProvider } from '../../src/providers/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '10' },
    qps: { type: 'string', default: '1000' },
    burst: { type: 'string', default: '2000' },
    'controller-class': { type: 'string' },
    'provider-delay-ms': { type: 'string', default: '0' },
    'coalesce-window-ms': { type: 'string' },
    'eso-status-writes': { type: 'boolean', default: false },
  },
});
const [kubeconfig] = positionals;
if (!kubeconfig) throw new Error('usage: run-operator.ts <kubeconfig> [--concurrency N] [--qps N] [--burst N] ...');
// The operator's own kubeconfig loader, as `custos operator` uses it (not client-node: see docs/benchmarks.md).
const kc = new Kubeconfig();
kc.loadFromFile(kubeconfig);
const fake = new FakeSecretsProvider({ delayMs: Number(args['provider-delay-ms']) });

const start = () =>
  startOperator({
    kubeConfig: kc,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    concurrency: Number(args.concurrency),
    clientQps: Number(args.qps),
    clientBurst: Number(args.burst),
    controllerClass: args['controller-class'],
    providers: defaultProviderRegistry({ fake }),
    coalesceWindowMs: args['coalesce-window-ms'] === undefined ? undefined : Number(args['coalesce-window-ms']),
    alwaysWriteRefreshTime: args['eso-status-writes'],
  });

type Message = { type: 'start' } | { type: 'stats' } | { type: 'stop' };

if (process.send) {
  let op: Awaited<ReturnType<typeof start>> | undefined;
  process.on('message', (message: Message) => {
    void (async () => {
      if (message.type === 'start') {
        op = await start();
        process.send?.({ type: 'started' });
      } else if (message.type === 'stats') {
        const metrics = op ? await op.metrics.registry.metrics() : '';
        process.send?.({ type: 'stats', metrics, providerCalls: fake.calls.count('getSecret') });
      } else if (message.type === 'stop') {
        await op?.stop();
        process.exit(0);
      }
    })();
  });
  process.send({ type: 'ready' });
} else {
  const op = await start();
  process.stdout.write('started\n');
  process.once('SIGTERM', () => {
    void op.stop().then(() => process.exit(0));
  });
}
