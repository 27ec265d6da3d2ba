// ESO's common provider cases (e2e/suites/provider/cases/common, reference eso.md section 7) with the fake
// provider, each asserting the exact resulting Secret the way ESO's e2e framework does: type, labels (ignoring
// managed and created-by), annotations (ignoring data-hash) and data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
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

interface Expected {
  type: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data: Record<string, string>;
}

const dockerConfig = '{"auths":{"https://index.docker.io/v1/":{"auth":"c3R...zE2"}}}';
const sshKey =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';

const remote = [
  { key: 'plain-one', value: 'value-one' },
  { key: 'plain-two', value: 'value-two' },
  { key: 'json', value: '{"one":"eins","two":"zwei"}' },
  {
    key: 'nested',
    value:
      '{"db":{"host":"h","port":5432},"name":{"first":"Tom","last":"Anderson"},"friends":[{"first":"Dale"},{"first":"Roger"}]}',
  },
  { key: 'docker', value: JSON.stringify({ dockerconfig: dockerConfig }) },
  { key: 'ssh-whole', value: sshKey },
  { key: 'ssh-prop', value: JSON.stringify({ ssh: sshKey }) },
  { key: 'b64', value: JSON.stringify({ enc: Buffer.from('decoded!').toString('base64'), plain: 'cGxhaW4=' }) },
  { key: 'find-a1', value: 'A1' },
  { key: 'find-a2', value: 'A2' },
  { key: 'other', value: 'O' },
];

const cases: Array<{
  name: string;
  spec: (store: string) => ExternalSecretSpec;
  expected: Expected;
  setup?: (h: Harness, ns: string) => Promise<void>;
  /** Leave spec.target out (ESO's *WithoutTargetName cases); otherwise the target is named `target-<case>`. */
  withoutTargetName?: boolean;
}> = [
  {
    name: 'simple-data-sync',
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'one', remoteRef: { key: 'plain-one' } },
        { secretKey: 'two', remoteRef: { key: 'plain-two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { one: 'value-one', two: 'value-two' } },
  },
  {
    name: 'json-data-with-property',
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { one: 'eins', two: 'zwei' } },
  },
  {
    // ESO's JSONDataWithoutTargetName: no target at all, so the Secret is named after the ExternalSecret.
    name: 'json-data-without-target-name',
    withoutTargetName: true,
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { one: 'eins', two: 'zwei' } },
  },
  {
    name: 'json-data-with-template',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: {
          metadata: { labels: { 'example-label': '{{ .one }}-label' }, annotations: { 'example-annotation': 'ann' } },
          data: { config: 'executed: {{ .one }}|{{ .two }}' },
        },
      },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: {
      type: 'Opaque',
      labels: { 'example-label': 'eins-label' },
      annotations: { 'example-annotation': 'ann' },
      data: { config: 'executed: eins|zwei' },
    },
  },
  {
    name: 'json-data-with-template-from-literal',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: { template: { templateFrom: [{ literal: 'executed-{{ .one }}: {{ .two }}' }] } },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { 'executed-eins': 'zwei' } },
  },
  {
    name: 'template-from-configmaps',
    setup: async (h, ns) => {
      await h.client.create(Resources.configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tpl', namespace: ns },
        data: { values: 'value: {{ .one }}', kv: '{{ .one }}: {{ .two }}' },
      });
    },
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: {
          templateFrom: [
            {
              configMap: {
                name: 'tpl',
                items: [{ key: 'values' }, { key: 'kv', templateAs: 'KeysAndValues' }],
              },
            },
          ],
        },
      },
      data: [
        { secretKey: 'one', remoteRef: { key: 'json', property: 'one' } },
        { secretKey: 'two', remoteRef: { key: 'json', property: 'two' } },
      ],
    }),
    expected: { type: 'Opaque', data: { values: 'value: eins', eins: 'zwei' } },
  },
  {
    name: 'json-data-from-sync',
    spec: (store) => ({ secretStoreRef: { name: store }, dataFrom: [{ extract: { key: 'json' } }] }),
    expected: { type: 'Opaque', data: { one: 'eins', two: 'zwei' } },
  },
  {
    name: 'json-data-from-extract-property',
    spec: (store) => ({ secretStoreRef: { name: store }, dataFrom: [{ extract: { key: 'nested', property: 'db' } }] }),
    expected: { type: 'Opaque', data: { host: 'h', port: '5432' } },
  },
  {
    name: 'json-data-from-rewrite',
    spec: (store) => ({
      secretStoreRef: { name: store },
      dataFrom: [{ extract: { key: 'json' }, rewrite: [{ regexp: { source: '(.*)', target: 'my_$1' } }] }],
    }),
    expected: { type: 'Opaque', data: { my_one: 'eins', my_two: 'zwei' } },
  },
  {
    name: 'nested-json-with-gjson',
    spec: (store) => ({
      secretStoreRef: { name: store },
      data: [
        { secretKey: 'first', remoteRef: { key: 'nested', property: 'name.first' } },
        { secretKey: 'friend', remoteRef: { key: 'nested', property: 'friends.1.first' } },
      ],
    }),
    expected: { type: 'Opaque', data: { first: 'Tom', friend: 'Roger' } },
  },
  {
    name: 'docker-json-config',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: { template: { data: { '.dockerconfigjson': '{{ .mysecret | toString }}' } } },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'docker', property: 'dockerconfig' } }],
    }),
    expected: { type: 'Opaque', data: { '.dockerconfigjson': dockerConfig } },
  },
  {
    name: 'data-property-dockerconfigjson',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: {
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': '{{ .dockerconfig | toString }}' },
        },
      },
      data: [{ secretKey: 'dockerconfig', remoteRef: { key: 'docker', property: 'dockerconfig' } }],
    }),
    expected: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': dockerConfig } },
  },
  {
    name: 'ssh-key-sync',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '{{ .mysecret | toString }}' } },
      },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'ssh-whole' } }],
    }),
    expected: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': sshKey } },
  },
  {
    name: 'ssh-key-sync-data-property',
    spec: (store) => ({
      secretStoreRef: { name: store },
      target: {
        template: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '{{ .mysecret | toString }}' } },
      },
      data: [{ secretKey: 'mysecret', remoteRef: { key: 'ssh-prop', property: 'ssh' } }],
    }),
    expected: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': sshKey } },
  },
  {
    name: 'decoding-policy-sync',
    spec: (store) => ({
      secretStoreRef: { name: store },
      dataFrom: [{ extract: { key: 'b64', decodingStrategy: 'Auto' } }],
      data: [
        { secretKey: 'b64', remoteRef: { key: 'b64', property: 'enc', decodingStrategy: 'Base64' } },
        { secretKey: 'none', remoteRef: { key: 'b64', property: 'enc', decodingStrategy: 'None' } },
      ],
    }),
    expected: {
      type: 'Opaque',
      data: { enc: 'decoded!', plain: 'plain', b64: 'decoded!', none: Buffer.from('decoded!').toString('base64') },
    },
  },
  {
    name: 'find-by-name',
    spec: (store) => ({ secretStoreRef: { name: store }, dataFrom: [{ find: { name: { regexp: '^find-a' } } }] }),
    expected: { type: 'Opaque', data: { 'find-a1': 'A1', 'find-a2': 'A2' } },
  },
  {
    name: 'find-by-name-and-rewrite',
    spec: (store) => ({
      secretStoreRef: { name: store },
      dataFrom: [
        { find: { name: { regexp: '^find-a' } }, rewrite: [{ regexp: { source: 'find-(.*)', target: '$1' } }] },
      ],
    }),
    expected: { type: 'Opaque', data: { a1: 'A1', a2: 'A2' } },
  },
];

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
