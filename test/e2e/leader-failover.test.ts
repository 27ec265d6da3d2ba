// Kill the leader: two `custos operator --leader-elect` processes share a Lease; the leader is SIGKILLed (so it
// cannot release the Lease) while ExternalSecrets it has not finished are waiting. The standby must take over once
// the Lease expires, sync every ExternalSecret (none lost), and write none of the Secrets the dead leader already
// wrote (none doubled: their resourceVersions stay, and its write counter equals exactly the Secrets still missing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { installCrds } from '../../src/api/install.js';
import { isNotFound, KubeClient, type KubeObject, Resources } from '../../src/kube/index.js';
import { OperatorResources } from '../../src/operator/resources.js';
import { integration, uniqueName } from '../helpers/cluster.js';
import { type CustosProcess, ProcessGroup } from '../helpers/e2e-processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The identity and metrics address an operator logs in its "operator started" line. */
async function startedLine(proc: CustosProcess): Promise<{ identity: string; metrics: string }> {
  return waitFor(`${proc.name} to start`, async () => {
    for (const line of proc.output().split('\n')) {
      if (!line.includes('"operator started"')) continue;
      const parsed = JSON.parse(line) as { identity: string; metrics: string };
      return { identity: parsed.identity, metrics: parsed.metrics };
    }
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output().slice(-2000)}`);
    return undefined;
  });
}

async function secretWrites(metricsAddress: string): Promise<number> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  return [...text.matchAll(/^custos_target_secret_writes_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

describe('leader failover: the leader is killed', { skip: integration.skipReason }, () => {
  const group = new ProcessGroup();
  const ns = uniqueName('failover');
  const leaseName = uniqueName('lease');
  let client: KubeClient;
  let kubeconfigPath: string;

  const operator = (name: string) =>
    group.start(name, [
      'operator',
      '--kubeconfig',
      kubeconfigPath,
      '--namespace',
      ns,
      '--metrics-addr',
      '127.0.0.1:0',
      '--leader-elect',
      '--leader-election-id',
      leaseName,
      // Short timings so the test waits seconds, not the default 15 s, for an expired Lease.
      '--leader-elect-lease-duration',
      '4s',
      '--leader-elect-renew-deadline',
      '3s',
      '--leader-elect-retry-period',
      '500ms',
    ]);

  const createExternalSecret = (name: string) =>
    client.create(OperatorResources.externalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace: ns },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { name: 'store', kind: 'SecretStore' },
        target: { name },
        data: [{ secretKey: 'password', remoteRef: { key: 'db-password' } }],
      },
    });

  const secretOf = (name: string) =>
    client
      .get<KubeObject & { data?: Record<string, string> }>(Resources.secrets, name, { namespace: ns })
      .catch((e) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });

  const holder = async () =>
    (await client.get<LeaseObject>(Resources.leases, leaseName, { namespace: ns }).catch(() => undefined))?.spec;

  before(async () => {
    const cluster = await integration.cluster();
    kubeconfigPath = cluster.kubeconfigPath;
    client = new KubeClient(cluster.kc, { qps: 0 });
    await installCrds(cluster.kc);
    await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'store', namespace: ns },
      spec: { provider: { fake: { data: [{ key: 'db-password', value: 'failover-value-1' }] } } },
    });
  });
  after(async () => {
    await group.stopAll();
    client?.close();
  });

  it('the standby takes over after the Lease expires; no ExternalSecret is lost, no Secret written twice', async (t) => {
    const first = operator('operator-a');
    const firstInfo = await startedLine(first);
    // The second starts only once the first leads, so which one leads is known.
    await waitFor('operator-a to lead', async () => (await holder())?.holderIdentity === firstInfo.identity);
    const second = operator('operator-b');
    const secondInfo = await startedLine(second);
    assert.notEqual(firstInfo.identity, secondInfo.identity);

    const early = Array.from({ length: 5 }, (_, i) => `early-${i}`);
    for (const name of early) await createExternalSecret(name);
    for (const name of early) await waitFor(`Secret ${name}`, () => secretOf(name));
    assert.equal(await secretWrites(firstInfo.metrics), 5, 'the leader wrote the five Secrets');
    assert.equal(await secretWrites(secondInfo.metrics), 0, 'the standby wrote nothing while the leader lived');

    // More work arrives, and the leader dies in the middle of it: some of these it writes, some it does not.
    const late = Array.from({ length: 10 }, (_, i) => `late-${i}`);
    await Promise.all(late.map((name) => createExternalSecret(name)));
    await first.kill();
    const killedAt = Date.now();

    const all = [...early, ...late];
    const versionsAtDeath = new Map<string, string>();
    for (const name of all) {
      const secret = await secretOf(name);
      if (secret?.metadata?.resourceVersion) versionsAtDeath.set(name, secret.metadata.resourceVersion);
    }
    const missing = all.length - versionsAtDeath.size;

    await waitFor('operator-b to lead', async () => (await holder())?.holderIdentity === secondInfo.identity, 30_000);
    const takeoverMs = Date.now() - killedAt;
    for (const name of all) await waitFor(`Secret ${name} after the failover`, () => secretOf(name));
    // Let the new leader finish its first pass over everything (it re-checks every ExternalSecret).
    await sleep(1500);

    for (const name of all) {
      const secret = await secretOf(name);
      assert.equal(Buffer.from(secret?.data?.password ?? '', 'base64').toString(), 'failover-value-1', name);
      const before = versionsAtDeath.get(name);
      if (before)
        assert.equal(secret?.metadata?.resourceVersion, before, `${name} was written again after the failover`);
    }
    assert.equal(await secretWrites(secondInfo.metrics), missing, 'the new leader wrote exactly the missing Secrets');
    const lease = await holder();
    assert.ok((lease?.leaseTransitions ?? 0) >= 1, 'the Lease records the transition');
    // The Lease is held for 4 s without renewal; the takeover cannot be faster, and should not be much slower.
    assert.ok(takeoverMs >= 2000, `took over after ${takeoverMs} ms, before the Lease could have expired`);
    t.diagnostic(`failover: ${missing} of ${all.length} Secrets were missing at the kill; takeover ${takeoverMs} ms`);

    const readyReasons = await Promise.all(
      all.map(async (name) => {
        const es = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(
          OperatorResources.externalSecrets,
          name,
          { namespace: ns },
        );
        return es.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      }),
    );
    assert.deepEqual(new Set(readyReasons), new Set(['True']));
    assert.doesNotMatch(group.allOutput(), /failover-value-1/, 'no process logged the secret value');
  });
});
