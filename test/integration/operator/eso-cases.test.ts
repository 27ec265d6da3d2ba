// ESO's common provider cases (e2e/suites/provider/cases/common, reference eso.md section 7) with the fake
// provider, each asserting the exact resulting Secret the way ESO's e2e framework does: type, labels (ignoring
// managed and created-by), annotations (ignoring data-hash) and data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import { cases, remote } from './eso-cases-corpus.js';
import { comparable } from './eso-expect.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
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
} from './harness.js';

describe('ESO common cases (fake provider)', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  let ns: string;

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'es-cases');
    await createFakeStore(h, ns, 'store', remote);
    op = await startTestOperator(h, { namespace: ns, concurrency: 4 });
  });
  after(async () => {
    await op?.stop();
  });

  for (const c of cases) {
    it(c.name, async () => {
      await c.setup?.(h, ns);
      const spec = c.spec('store');
      const target = c.withoutTargetName ? spec.target : { ...spec.target, name: `target-${c.name}` };
      await createExternalSecret(h, ns, c.name, { refreshInterval: '1h', ...spec, ...(target ? { target } : {}) });
      const secretName = c.withoutTargetName ? c.name : `target-${c.name}`;
      const expected = { labels: {}, annotations: {}, ...c.expected };
      let last: unknown;
      try {
        await waitFor(c.name, async () => {
          last = comparable(await getSecret(h, ns, secretName));
          try {
            assert.deepEqual(last, expected);
            return true;
          } catch {
            return false;
          }
        });
      } catch {
        assert.deepEqual(last, expected);
      }
    });
  }

  it('dataFrom generatorRef runs a Fake generator', async () => {
    await h.client.create(
      { group: 'generators.external-secrets.io', version: 'v1alpha1', plural: 'fakes', namespaced: true, kind: 'Fake' },
      {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'Fake',
        metadata: { name: 'gen', namespace: ns },
        spec: { data: { generated: 'by-fake' } },
      },
    );
    await createExternalSecret(h, ns, 'generated', {
      refreshInterval: '1h',
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'Fake', name: 'gen' } } }],
    });
    const secret = await waitFor('generated secret', () => getSecret(h, ns, 'generated'));
    assert.deepEqual(decode(secret.data), { generated: 'by-fake' });
  });

  it("skips an ExternalSecret whose generator names another controller class (ESO's shouldSkipGenerator)", async () => {
    const fakes = {
      group: 'generators.external-secrets.io',
      version: 'v1alpha1',
      plural: 'fakes',
      namespaced: true,
      kind: 'Fake',
    };
    const apiVersion = 'generators.external-secrets.io/v1alpha1';
    await h.client.create(fakes, {
      apiVersion,
      kind: 'Fake',
      metadata: { name: 'foreign-gen', namespace: ns },
      spec: { controller: 'someone-else', data: { k: 'v' } },
    });
    await h.client.create(fakes, {
      apiVersion,
      kind: 'Fake',
      metadata: { name: 'own-gen', namespace: ns },
      spec: { controller: 'default', data: { k: 'mine' } },
    });
    await createExternalSecret(h, ns, 'foreign-generated', {
      refreshInterval: '1h',
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'Fake', name: 'foreign-gen' } } }],
    });
    await createExternalSecret(h, ns, 'own-generated', {
      refreshInterval: '1h',
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'Fake', name: 'own-gen' } } }],
    });
    const own = await waitFor('own generated secret', () => getSecret(h, ns, 'own-generated'));
    assert.deepEqual(decode(own.data), { k: 'mine' });
    // Reconciled after the foreign one was created (same queue): had it been synced, it would be by now.
    await sleep(500);
    assert.equal(await getSecret(h, ns, 'foreign-generated'), undefined);
    const foreign = await h.client.get<{ status?: unknown }>(OperatorResources.externalSecrets, 'foreign-generated', {
      namespace: ns,
    });
    assert.equal(foreign.status, undefined, 'no status: the ExternalSecret is left to its own controller');
  });

  it('dataFrom generatorRef runs SSHKey into a kubernetes.io/ssh-auth Secret and MFA from a seed Secret', async () => {
    const generators = (plural: string, kind: string) => ({
      group: 'generators.external-secrets.io',
      version: 'v1alpha1',
      plural,
      namespaced: true,
      kind,
    });
    const apiVersion = 'generators.external-secrets.io/v1alpha1';
    await h.client.create(generators('sshkeys', 'SSHKey'), {
      apiVersion,
      kind: 'SSHKey',
      metadata: { name: 'deploy-key', namespace: ns },
      spec: { keyType: 'ed25519', comment: 'deploy@ci' },
    });
    await createExternalSecret(h, ns, 'ssh-generated', {
      refreshInterval: '1h',
      target: {
        name: 'ssh-generated',
        template: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '{{ .privateKey }}' } },
      },
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'SSHKey', name: 'deploy-key' } } }],
    });
    const ssh = await waitFor('ssh secret', () => getSecret(h, ns, 'ssh-generated'));
    assert.equal(ssh.type, 'kubernetes.io/ssh-auth');
    assert.deepEqual(Object.keys(ssh.data ?? {}), ['ssh-privatekey']);
    assert.match(decode(ssh.data)['ssh-privatekey'] ?? '', /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);

    // RFC 6238 appendix B: the SHA-1 seed at 1111111109 s gives 07081804 with 8 digits, 1 s left.
    await h.client.create(Resources.secrets, {
      metadata: { name: 'mfa-seed', namespace: ns },
      stringData: { seed: 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ' },
    });
    await h.client.create(generators('mfas', 'MFA'), {
      apiVersion,
      kind: 'MFA',
      metadata: { name: 'otp', namespace: ns },
      spec: { secret: { name: 'mfa-seed', key: 'seed' }, length: 8, when: '2005-03-18T01:58:29Z' },
    });
    await createExternalSecret(h, ns, 'mfa-generated', {
      refreshInterval: '1h',
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'MFA', name: 'otp' } } }],
    });
    const mfa = await waitFor('mfa secret', () => getSecret(h, ns, 'mfa-generated'));
    assert.deepEqual(decode(mfa.data), { token: '07081804', timeLeft: '1' });
  });

  it('sync-without-target-name names the Secret after the ExternalSecret', async () => {
    await createExternalSecret(h, ns, 'no-target-name', {
      secretStoreRef: { name: 'store' },
      target: {},
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    });
    const secret = await waitFor('secret', () => getSecret(h, ns, 'no-target-name'));
    assert.deepEqual(decode(secret.data), { one: 'value-one' });
  });

  it('deletion-policy-delete: deleting both remote keys deletes the target Secret', async () => {
    await createFakeStore(h, ns, 'store-deletion', [
      { key: 'del-one', value: 'd1' },
      { key: 'del-two', value: 'd2' },
    ]);
    await createExternalSecret(h, ns, 'deletion-policy-delete', {
      refreshInterval: '1s',
      secretStoreRef: { name: 'store-deletion' },
      target: { name: 'deleted-target', deletionPolicy: 'Delete' },
      data: [
        { secretKey: 'one', remoteRef: { key: 'del-one' } },
        { secretKey: 'two', remoteRef: { key: 'del-two' } },
      ],
    });
    const synced = await waitFor('synced', () => getSecret(h, ns, 'deleted-target'));
    assert.deepEqual(decode(synced.data), { one: 'd1', two: 'd2' });
    await setFakeData(h, ns, 'store-deletion', []);
    await waitFor('target deleted', async () => ((await getSecret(h, ns, 'deleted-target')) ? undefined : true));
  });

  it('status-not-updated-after-successful-sync: nothing in the ExternalSecret moves for 10 s (1h interval)', async () => {
    await createExternalSecret(h, ns, 'status-quiet', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'store' },
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    });
    const synced = await waitFor('ready', async () => {
      const es = await getExternalSecret(h, ns, 'status-quiet');
      return readyOf(es)?.status === 'True' ? es : undefined;
    });
    const snapshot = (es: typeof synced) => ({
      resourceVersion: es.metadata?.resourceVersion,
      refreshTime: es.status?.refreshTime,
      syncedResourceVersion: es.status?.syncedResourceVersion,
    });
    const before = snapshot(synced);
    assert.ok(before.refreshTime && before.syncedResourceVersion, 'status records the sync');
    await sleep(10_000);
    assert.deepEqual(snapshot(await getExternalSecret(h, ns, 'status-quiet')), before);
  });

  it('a template error gives Ready=False saying what is wrong, without values', async () => {
    await createExternalSecret(h, ns, 'bad-template', {
      secretStoreRef: { name: 'store' },
      target: { template: { data: { x: '{{ .nosuchkey }}' } } },
      data: [{ secretKey: 'one', remoteRef: { key: 'plain-one' } }],
    });
    const es = await waitFor('failed', async () => {
      const es = await h.client.get<
        { status?: { conditions?: Array<Record<string, string>> } } & Record<string, unknown>
      >((await import('../../../src/operator/resources.js')).OperatorResources.externalSecrets, 'bad-template', {
        namespace: ns,
      });
      const ready = es.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'False' ? ready : undefined;
    });
    assert.match(es.message ?? '', /could not apply template/);
    assert.match(es.message ?? '', /nosuchkey/);
    assert.equal((es.message ?? '').includes('value-one'), false);
  });
});
