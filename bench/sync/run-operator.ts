// Runs the operator alone in this process (for bench/sync/rss.ts, which measures its memory from outside).
// Usage: node --import tsx bench/sync/run-operator.ts <kubeconfig> <concurrency> <qps> <burst>
import pino from 'pino';
import { Kubeconfig } from '../../src/kube/index.js';
import { startOperator } from '../../src/operator/index.js';

const [kubeconfig, concurrency = '10', qps = '1000', burst = '2000'] = process.argv.slice(2);
if (!kubeconfig) throw new Error('usage: run-operator.ts <kubeconfig> [concurrency] [qps] [burst]');
// The operator's own kubeconfig loader, as `custos operator` uses it (not client-node: see docs/benchmarks.md).
const kc = new Kubeconfig();
kc.loadFromFile(kubeconfig);
const op = await startOperator({
  kubeConfig: kc,
  logger: pino({ level: 'warn' }),
  concurrency: Number(concurrency),
  clientQps: Number(qps),
  clientBurst: Number(burst),
});
process.stdout.write('started\n');
process.once('SIGTERM', () => {
  void op.stop().then(() => process.exit(0));
});
