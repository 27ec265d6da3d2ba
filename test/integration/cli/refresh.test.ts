// `custos refresh` on the real control plane with a running operator (fake stores, refreshInterval 1h): a rotated
// value reaches the Secret at once and --wait reports it Ready; a missing remote key makes --wait exit 1 with the
// operator's message; an unknown name patches nothing and exits 2; -l/--store select the right ExternalSecrets;
// without an operator (a store of another controller class) --wait --timeout 2s exits 3 naming the ExternalSecret.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { POLL_MS, type RefreshRow, registerRefreshCommand } from '../../../src/cli/refresh.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  createStore,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  setFakeData,
  sleep,
  startTestOperator,
  waitFor,
} from '../operator/harness.js';

// Every value carries this marker, so one check finds any value in the command's output.
const MARK = `RV${randomBytes(6).toString('hex')}`;
const v = (s: string) => `${MARK}-${s}`;

describe('custos refresh on a real API server', { skip: integration.skipReason }, () => {
  let h: Harness;
  let kubeconfigPath: string;
  let operator: OperatorHandle;
  let ns: string;
  let idleNs: string;
  const group = `g${randomBytes(4).toString('hex')}`;
  const outputs: string[] = [];

  async function refresh(...args: string[]) {
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
      now: () => Date.now(),
      sleep: async (ms: number) => {
        await sleep(ms);
      },
    };
    const program = new Command().exitOverride();
    // A shorter grace period for an ExternalSecret that keeps failing the same way (SETTLE_MS is 5 s).
    registerRefreshCommand(program, io, { pollMs: POLL_MS, settleMs: 2000 });
    await program.parseAsync(['refresh', '--kubeconfig', kubeconfigPath, ...args], { from: 'user' });
    outputs.push(io.out, io.err);
    return io;
  }

  const forceSync = async (namespace: string, name: string) =>
    (await getExternalSecret(h, namespace, name)).metadata?.annotations?.['force-sync'];

  const waitReady = (name: string, status: 'True' | 'False') =>
    waitFor(`${name} Ready=${status}`, async () => readyOf(await getExternalSecret(h, ns, name))?.status === status);

  before(async () => {
    h = await harness();
    kubeconfigPath = (await integration.cluster()).kubeconfigPath;
    ns = await createNamespace(h, 'refresh');
    await createFakeStore(h, ns, 'store', [{ key: 'db', value: v('one') }]);
    await createFakeStore(h, ns, 'other', [{ key: 'tok', value: v('tok') }]);
    operator = await startTestOperator(h, { namespace: ns });
    const es = (store: string, secretKey: string, key: string) => ({
      secretStoreRef: { name: store, kind: 'SecretStore' as const },
      refreshInterval: '1h',
      data: [{ secretKey, remoteRef: { key } }],
    });
    await createExternalSecret(h, ns, 'app', es('store', 'password', 'db'), { labels: { group, tier: 'api' } });
    await createExternalSecret(h, ns, 'broken', es('store', 'password', 'missing'), { labels: { group } });
    await createExternalSecret(h, ns, 'tok', es('other', 'token', 'tok'), { labels: { group, tier: 'api' } });
    await Promise.all([waitReady('app', 'True'), waitReady('tok', 'True'), waitReady('broken', 'False')]);

    // No operator serves this namespace: its store belongs to a controller class nobody runs.
    idleNs = await createNamespace(h, 'refresh-idle');
    await createStore(h, idleNs, 'foreign', { fake: { data: [] } }, { controller: `nobody-${group}` });
    await createExternalSecret(h, idleNs, 'lonely', es('foreign', 'password', 'db'));
  });

  after(async () => {
    await operator?.stop();
    for (const name of [ns, idleNs]) if (name) await h.client.delete(Resources.namespaces, name).catch(() => undefined);
    h?.client.close();
  });

  it('--wait: a rotated value reaches the Secret at once (interval 1h) and the table shows it Ready', async () => {
    await setFakeData(h, ns, 'store', [{ key: 'db', value: v('two') }]);
    // The operator reads the fake store from its own watch of the store, which may trail a moment; a refresh that
    // ran before the store change arrived synced the old value (still exit 0), so the refresh is repeated then.
    await sleep(300);
    let arrived = false;
    for (let attempt = 0; attempt < 5 && !arrived; attempt++) {
      const started = Date.now();
      const io = await refresh('app', '-n', ns, '--wait');
      assert.equal(io.code, 0, io.out + io.err);
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      const lines = io.out.split('\n');
      assert.match(lines[0] ?? '', /^NAMESPACE\s+NAME\s+STORE\s+REFRESH\s+STATUS\s+REASON\s+LAST SYNC$/);
      assert.deepEqual((lines[1] ?? '').split(/\s{3,}/).slice(0, 6), [
        ns,
        'app',
        'SecretStore/store',
        '1h',
        'Ready',
        'SecretSynced',
      ]);
      assert.doesNotMatch(io.out, /not ready/);
      arrived = decode((await getSecret(h, ns, 'app'))?.data).password === v('two');
    }
    assert.ok(arrived, 'the rotated value did not reach the Secret');
  });

  it('--wait: a missing remote key exits 1 and prints the operator message', async () => {
    const io = await refresh('broken', '-n', ns, '--wait');
    assert.equal(io.code, 1, io.out + io.err);
    const message = readyOf(await getExternalSecret(h, ns, 'broken'))?.message ?? '';
    assert.ok(message.length > 0);
    assert.ok(io.out.includes('1 of 1 not ready:'), io.out);
    assert.ok(io.out.includes(`  ${ns}/broken: ${message}`), io.out);
    assert.match(io.out, /NotReady/);

    const json = await refresh('broken', 'app', '-n', ns, '--wait', '-o', 'json');
    assert.equal(json.code, 1, json.err);
    const rows = JSON.parse(json.out) as RefreshRow[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.status, r.outcome]),
      [
        ['app', 'Ready', 'synced'],
        ['broken', 'NotReady', 'still-failing'],
      ],
    );
    assert.equal(rows[0]?.keys, undefined, 'Secrets are not read');
  });

  it('a name that does not exist exits 2 naming it, and nothing is patched', async () => {
    const before = await forceSync(ns, 'app');
    const io = await refresh('app', 'no-such-es', '-n', ns, '--wait');
    assert.equal(io.code, 2);
    assert.equal(io.out, '');
    assert.match(io.err, new RegExp(`ExternalSecret ${ns}/no-such-es not found`));
    assert.match(io.err, /nothing was refreshed/);
    assert.equal(await forceSync(ns, 'app'), before);
  });

  it('-l and --store select the right ExternalSecrets; zero matches exits 0', async () => {
    const before = {
      app: await forceSync(ns, 'app'),
      broken: await forceSync(ns, 'broken'),
      tok: await forceSync(ns, 'tok'),
    };
    const labelled = await refresh('-A', '-l', `group=${group},tier=api`);
    assert.equal(labelled.code, 0, labelled.err);
    assert.equal(labelled.out, `refreshed ${ns}/app\nrefreshed ${ns}/tok\n`);
    assert.notEqual(await forceSync(ns, 'app'), before.app);
    assert.notEqual(await forceSync(ns, 'tok'), before.tok);
    assert.equal(await forceSync(ns, 'broken'), before.broken);

    const tokBefore = await forceSync(ns, 'tok');
    const byStore = await refresh('-n', ns, '--store', 'other', '-o', 'json');
    assert.equal(byStore.code, 0, byStore.err);
    const rows = JSON.parse(byStore.out) as Array<{ namespace: string; name: string; forceSync: string }>;
    assert.deepEqual(
      rows.map((r) => [r.namespace, r.name]),
      [[ns, 'tok']],
    );
    assert.equal(await forceSync(ns, 'tok'), rows[0]?.forceSync);
    assert.notEqual(rows[0]?.forceSync, tokBefore);

    const none = await refresh('-n', ns, '-l', `group=${group}-none`);
    assert.equal(none.code, 0);
    assert.equal(none.out, '');
    assert.equal(none.err, `No ExternalSecrets found in namespace ${ns} matching group=${group}-none.\n`);
  });

  it('--wait: a sync that newly fails is reported at once with exit 1', async () => {
    await setFakeData(h, ns, 'other', []);
    await sleep(300);
    let rows: RefreshRow[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const io = await refresh('tok', '-n', ns, '--wait', '-o', 'json');
      rows = JSON.parse(io.out) as RefreshRow[];
      if (rows[0]?.outcome !== 'synced') {
        assert.equal(io.code, 1, io.err);
        break;
      }
    }
    assert.equal(rows[0]?.outcome, 'failed');
    assert.equal(rows[0]?.status, 'NotReady');
  });

  it('--wait without an operator times out with exit 3 naming the ExternalSecret', async () => {
    const started = Date.now();
    const io = await refresh('lonely', '-n', idleNs, '--wait', '--timeout', '2s');
    const took = Date.now() - started;
    assert.equal(io.code, 3, io.out + io.err);
    assert.ok(took >= 2000 && took < 6000, `took ${took} ms`);
    assert.match(
      io.err,
      new RegExp(`timed out after 2s waiting for 1 ExternalSecret\\(s\\) to sync: ${idleNs}/lonely`),
    );
    assert.match(io.out, new RegExp(`${idleNs}\\s+lonely\\s+SecretStore/foreign\\s+1h\\s+Pending`));
  });

  it('never prints a secret value', () => {
    for (const text of outputs) assert.ok(!text.includes(MARK), text);
  });
});
