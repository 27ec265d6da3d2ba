// Runs the operator alone in this process (for bench/sync/rss.ts, which measures its memory from outside).
// Usage: node --import tsx bench/sync/run-operator.ts <kubeconfig> <concurrency> <qps> <burst>
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { startOperator } from '../../src/operator/index.js';

const [kubeconfig, concurrency = '10', qps = '1000', burst = '2000'] = process.argv.slice(2);
if (!kubeconfig) throw new Error('usage: run-operator.ts <kubeconfig> [concurrency] [qps] [burst]');
const kc = new KubeConfig();
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
