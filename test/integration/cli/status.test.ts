// `custos status` against a real API server: ExternalSecrets with hand-written status (status subresource) are
// listed with the right columns, not-ready ones are explained, and the exit code says whether all are Ready.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { installCrds } from '../../../src/api/install.js';
import { registerStatusCommand, type StatusRow } from '../../../src/cli/status.js';
import { KubeClient, Resources, type ResourceType } from '../../../src/kube/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';

const ExternalSecrets: ResourceType = {
  group: 'external-secrets.io',
  version: 'v1',
  plural: 'externalsecrets',
  namespaced: true,
  kind: 'ExternalSecret',
};

describe('custos status on a real API server', { skip: integration.skipReason }, () => {
  let client: KubeClient;
  let kubeconfigPath: string;
  const namespace = uniqueName('status');
  const now = Date.now();

  async function status(...args: string[]) {
    const io = {
      out: '',
      err: '',
      code: -1,
      stdout: (t: string) => {
        io.out += t;
      },
      stderr: (t: string) => {
        io.err += t;
      },
      setExitCode: (c: number) => {
        io.code = c;
      },
      now: () => now,
    };
    const program = new Command().exitOverride();
    registerStatusCommand(program, io);
    await program.parseAsync(['status', '--kubeconfig', kubeconfigPath, ...args], { from: 'user' });
    return io;
  }

  async function createEs(
    name: string,
    spec: Record<string, unknown>,
    conditions?: Record<string, unknown>[],
    ageS = 0,
  ) {
    await client.create(ExternalSecrets, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name, namespace },
      spec,
    });
    if (conditions) {
      const refreshTime = new Date(now - ageS * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      await client.patchStatus(ExternalSecrets, name, { status: { refreshTime, conditions } }, { namespace });
    }
  }

  before(async () => {
    const cluster = await integration.cluster();
    kubeconfigPath = cluster.kubeconfigPath;
    await installCrds(cluster.kc);
    client = new KubeClient(cluster.kc);
    await client.create(Resources.namespaces, { metadata: { name: namespace } });
    await createEs(
      'db-creds',
      { secretStoreRef: { name: 'cm-akeyless', kind: 'ClusterSecretStore' }, refreshInterval: '1m' },
      [
        {
          type: 'Ready',
          status: 'True',
          reason: 'SecretSynced',
          message: 'secret synced',
          lastTransitionTime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
      90,
    );
    await createEs(
      'api-key',
      { secretStoreRef: { name: 'custos' }, refreshPolicy: 'OnChange' },
      [
        {
          type: 'Ready',
          status: 'False',
          reason: 'SecretSyncedError',
          message: 'could not get secret data from provider',
        },
      ],
      4000,
    );
    await createEs('fresh', { secretStoreRef: { name: 'custos' } });
    // The target Secret of db-creds, as an operator writes it (managed label): KEYS counts its keys.
    await client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-creds', namespace, labels: { 'reconcile.external-secrets.io/managed': 'true' } },
      stringData: { username: 'app', password: 'status-test-value' },
    });
  });

  after(async () => {
    await client?.delete(Resources.namespaces, namespace).catch(() => undefined);
    client?.close();
  });

  it('prints the table, explains the not-ready ones and exits 1', async () => {
    const io = await status('-n', namespace);
    assert.equal(io.code, 1, io.err);
    const lines = io.out.split('\n');
    assert.match(lines[0] ?? '', /^NAMESPACE\s+NAME\s+STORE\s+REFRESH\s+STATUS\s+REASON\s+LAST SYNC\s+KEYS$/);
    const row = (name: string) => (lines.find((l) => l.split(/\s+/)[1] === name) ?? '').split(/\s{3,}/);
    assert.deepEqual(row('api-key'), [
      namespace,
      'api-key',
      'SecretStore/custos',
      'OnChange',
      'NotReady',
      'SecretSyncedError',
      '66m',
      '-',
    ]);
    assert.deepEqual(row('db-creds'), [
      namespace,
      'db-creds',
      'ClusterSecretStore/cm-akeyless',
      '1m',
      'Ready',
      'SecretSynced',
      '90s',
      '2',
    ]);
    assert.deepEqual(row('fresh'), [namespace, 'fresh', 'SecretStore/custos', '1h0m0s', 'Pending', '-', 'never', '-']);
    assert.ok(io.out.includes('2 of 3 not ready:'));
    assert.ok(io.out.includes(`  ${namespace}/api-key: could not get secret data from provider`));
    assert.ok(io.out.includes(`  ${namespace}/fresh: no status yet`));
  });

  it('emits the same rows as JSON', async () => {
    const io = await status('-n', namespace, '-o', 'json');
    assert.equal(io.code, 1);
    const rows = JSON.parse(io.out) as StatusRow[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.status, r.ready]),
      [
        ['api-key', 'NotReady', false],
        ['db-creds', 'Ready', true],
        ['fresh', 'Pending', false],
      ],
    );
    assert.equal(rows[1]?.lastSync, new Date(now - 90_000).toISOString().replace(/\.\d+Z$/, 'Z'));
    assert.deepEqual(rows[1]?.keys, ['password', 'username'], 'key names only');
    assert.ok(!io.out.includes('status-test-value'), 'no Secret value in the output');
  });

  it('exits 0 once every ExternalSecret is Ready, and -A includes this namespace', async () => {
    for (const name of ['api-key', 'fresh']) {
      await client.patchStatus(
        ExternalSecrets,
        name,
        { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }] } },
        { namespace },
      );
    }
    const io = await status('-n', namespace);
    assert.equal(io.code, 0, io.out);
    assert.doesNotMatch(io.out, /not ready/);
    const all = await status('-A', '-o', 'json');
    const mine = (JSON.parse(all.out) as StatusRow[]).filter((r) => r.namespace === namespace);
    assert.equal(mine.length, 3);
  });

  it('says so when a namespace has no ExternalSecrets', async () => {
    const io = await status('-n', `${namespace}-empty`);
    assert.equal(io.code, 0);
    assert.equal(io.out, '');
    assert.equal(io.err, `No ExternalSecrets found in namespace ${namespace}-empty.\n`);
  });
});
