// `custos operator --eso-status-writes` (OperatorOptions.alwaysWriteRefreshTime): with it, status.refreshTime
// advances on every refresh even when nothing changed, as ESO does (dashboards keyed on LAST SYNC rely on it);
// without it (the default) a refresh that changes nothing writes no status, so refreshTime stays at the last sync
// that changed something. In both modes the target Secret itself is not rewritten.
//
// Checked twice: in-process through startOperator (the layer the other operator tests use), and through the
// `custos` binary, so the flag's parsing and its plumbing to the operator are covered too. Each operator has its
// own namespace; ExternalSecrets refresh every second and every case waits until at least three refreshes ran
// (counted by externalsecret_sync_calls_total), so no case depends on how fast the machine is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import { type CustosProcess, ProcessGroup } from '../../helpers/e2e-processes.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

const REFRESHES = 3;

/** externalsecret_sync_calls_total of one ExternalSecret in a /metrics text. */
function syncCallsIn(text: string, namespace: string, name: string): number {
  const line = [...text.matchAll(/^externalsecret_sync_calls_total\{([^}]*)\} (\d+)$/gm)].find(
    (m) => m[1]?.includes(`name="${name}"`) && m[1]?.includes(`namespace="${namespace}"`),
  );
  return Number(line?.[2] ?? 0);
}

interface Observation {
  /** Distinct status.refreshTime values seen, in order. */
  refreshTimes: string[];
  /** Distinct resourceVersions of the ExternalSecret seen. */
  esVersions: number;
  /** Distinct resourceVersions of the target Secret seen. */
  secretVersions: number;
  refreshes: number;
}

/**
 * Creates an ExternalSecret refreshing every second, waits for its first sync, then watches its status until
 * at least REFRESHES more reconciles ran (and one more second, so a write of the last one can land).
 */
async function observeRefreshes(h: Harness, namespace: string, syncCalls: () => Promise<number>): Promise<Observation> {
  await createFakeStore(h, namespace, 'store', [{ key: 'k', value: 'unchanging' }]);
  await createExternalSecret(h, namespace, 'es', {
    secretStoreRef: { name: 'store' },
    refreshInterval: '1s',
    data: [{ secretKey: 'v', remoteRef: { key: 'k' } }],
  });
  await waitFor(
    'first sync',
    async () => readyOf(await getExternalSecret(h, namespace, 'es'))?.status === 'True',
    60_000,
  );
  const refreshTimes: string[] = [];
  const esVersions = new Set<string>();
  const secretVersions = new Set<string>();
  const sample = async () => {
    const es = await getExternalSecret(h, namespace, 'es');
    const time = String(es.status?.refreshTime ?? '');
    if (refreshTimes.at(-1) !== time) refreshTimes.push(time);
    esVersions.add(es.metadata?.resourceVersion ?? '');
    secretVersions.add((await getSecret(h, namespace, 'es'))?.metadata?.resourceVersion ?? '');
  };
  await sample();
  const start = await syncCalls();
  let refreshes = 0;
  await waitFor(
    `${REFRESHES} refreshes`,
    async () => {
      await sample();
      refreshes = (await syncCalls()) - start;
      return refreshes >= REFRESHES;
    },
    60_000,
  );
  await sleep(1000);
  await sample();
  return { refreshTimes, esVersions: esVersions.size, secretVersions: secretVersions.size, refreshes };
}

function assertAdvancesEveryRefresh(o: Observation): void {
  assert.ok(
    o.refreshTimes.length >= REFRESHES,
    `refreshTime advanced only ${o.refreshTimes.length - 1} times in ${o.refreshes} refreshes: ${o.refreshTimes.join(', ')}`,
  );
  const parsed = o.refreshTimes.map((t) => Date.parse(t));
  assert.ok(
    parsed.every((t, i) => Number.isFinite(t) && (i === 0 || t > (parsed[i - 1] as number))),
    `refreshTime is an increasing RFC 3339 time: ${o.refreshTimes.join(', ')}`,
  );
  assert.equal(o.secretVersions, 1, 'the Secret was not rewritten (nothing changed)');
}

function assertStaysPut(o: Observation): void {
  assert.ok(o.refreshes >= REFRESHES, 'the ExternalSecret was refreshed');
  assert.equal(o.refreshTimes.length, 1, `refreshTime moved: ${o.refreshTimes.join(', ')}`);
  assert.ok(Number.isFinite(Date.parse(o.refreshTimes[0] ?? '')), 'refreshTime is set by the first sync');
  assert.equal(o.esVersions, 1, 'no status write at all when nothing changed');
  assert.equal(o.secretVersions, 1, 'the Secret was not rewritten (nothing changed)');
}

describe('status.refreshTime with and without ESO status writes', { skip: integration.skipReason }, () => {
  let h: Harness;

  before(async () => {
    h = await harness();
  });

  describe('in-process (startOperator)', () => {
    const operators: OperatorHandle[] = [];
    after(async () => {
      await Promise.all(operators.map((op) => op.stop()));
    });

    const run = async (prefix: string, alwaysWriteRefreshTime: boolean | undefined) => {
      const namespace = await createNamespace(h, prefix);
      const op = await startTestOperator(h, {
        namespace,
        ...(alwaysWriteRefreshTime === undefined ? {} : { alwaysWriteRefreshTime }),
      });
      operators.push(op);
      const syncCalls = async () =>
        syncCallsIn(
          await op.metrics.registry.getSingleMetricAsString('externalsecret_sync_calls_total'),
          namespace,
          'es',
        );
      return observeRefreshes(h, namespace, syncCalls);
    };

    it('alwaysWriteRefreshTime: refreshTime advances on every refresh although nothing changed', async () => {
      assertAdvancesEveryRefresh(await run('eso-writes', true));
    });

    it('default: refreshTime stays at the last sync that changed something, and no status is written', async () => {
      assertStaysPut(await run('quiet-writes', undefined));
    });
  });

  describe('the custos binary: custos operator [--eso-status-writes]', () => {
    const group = new ProcessGroup();
    let kubeconfigPath: string;

    before(async () => {
      kubeconfigPath = (await integration.cluster()).kubeconfigPath;
    });
    after(async () => {
      await group.stopAll();
    });

    /** The metrics address the operator logs in its "operator started" line. */
    const metricsAddress = (proc: CustosProcess) =>
      waitFor(
        `${proc.name} to start`,
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output().slice(-2000)}`);
          for (const line of proc.output().split('\n')) {
            if (line.includes('"operator started"')) return (JSON.parse(line) as { metrics: string }).metrics;
          }
          return undefined;
        },
        60_000,
      );

    const run = async (prefix: string, flags: string[]) => {
      const namespace = await createNamespace(h, prefix);
      const proc = group.start(prefix, [
        'operator',
        '--kubeconfig',
        kubeconfigPath,
        '--namespace',
        namespace,
        '--metrics-addr',
        '127.0.0.1:0',
        ...flags,
      ]);
      const address = await metricsAddress(proc);
      const syncCalls = async () =>
        syncCallsIn(await (await fetch(`http://${address}/metrics`)).text(), namespace, 'es');
      return observeRefreshes(h, namespace, syncCalls);
    };

    it('--eso-status-writes: refreshTime advances on every refresh although nothing changed', async () => {
      assertAdvancesEveryRefresh(await run('cli-eso-writes', ['--eso-status-writes']));
    });

    it('without the flag: refreshTime stays put and no status is written', async () => {
      assertStaysPut(await run('cli-quiet-writes', []));
    });
  });
});
