// GitOps tools (Argo CD, Flux) compare a list in the cluster with the list in Git as a whole, so a field the API
// server fills into a list item that the manifest left out is a permanent OutOfSync (ESO issues #5895, #6797,
// #6887). On the real control plane: data[] and dataFrom[] entries of an ExternalSecret that leave every optional
// field out (the strategies, metadataPolicy, nullBytePolicy), and a PushSecret's data[] without conversionStrategy,
// read back exactly as written, and the operator applies ESO's defaults for them.
// (The defaults ESO's own code relies on stay in the CRDs: docs/crds.md, "Defaults and GitOps diffs".)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec, PushSecretSpec } from '../../../src/api/generated/types.js';
import { type KubeObject, Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { PushSecretResources, pushSecretController } from '../../../src/operator/pushsecret/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  startTestOperator,
  waitFor,
} from './harness.js';

describe('ExternalSecret data entries read back as written (GitOps)', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let op: OperatorHandle;

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'gitops');
    await createFakeStore(h, ns, 'store', [
      { key: 'db', value: '{"user":"app","password":"gitops-pw-51c7"}' },
      { key: 'cfg/region', value: 'eu' },
      { key: 'cfg/tier', value: 'gold' },
    ]);
    await h.client.create(Resources.secrets, {
      metadata: { name: 'local', namespace: ns },
      stringData: { api_U002e_token: 'gitops-token-9e2a' },
    });
    op = await startTestOperator(h, { namespace: ns, controllers: [pushSecretController()] });
  });

  after(async () => {
    await op?.stop();
    await h?.client.delete(Resources.namespaces, ns).catch(() => undefined);
  });

  it('no field is added to any data[] or dataFrom[] entry, and the empty fields act as their defaults', async () => {
    const spec: ExternalSecretSpec = {
      refreshInterval: '1h',
      secretStoreRef: { name: 'store' },
      target: { name: 'app' },
      data: [{ secretKey: 'db-password', remoteRef: { key: 'db', property: 'password' } }],
      dataFrom: [{ extract: { key: 'db' } }, { find: { name: { regexp: '^cfg/' } } }],
    };
    await createExternalSecret(h, ns, 'app', spec);
    const secret = await waitFor('Secret app', () => getSecret(h, ns, 'app'));
    // conversionStrategy Default: the "/" of a found name becomes "_"; decodingStrategy None: values as stored.
    assert.deepEqual(decode(secret.data), {
      'db-password': 'gitops-pw-51c7',
      user: 'app',
      password: 'gitops-pw-51c7',
      cfg_region: 'eu',
      cfg_tier: 'gold',
    });
    const stored = (await getExternalSecret(h, ns, 'app')) as { spec?: ExternalSecretSpec };
    assert.deepEqual(stored.spec?.data, spec.data);
    assert.deepEqual(stored.spec?.dataFrom, spec.dataFrom);
  });

  it('a PushSecret data[] entry without conversionStrategy reads back as written and pushes keys unconverted', async () => {
    const spec: PushSecretSpec = {
      refreshInterval: '1h',
      secretStoreRefs: [{ name: 'store', kind: 'SecretStore' }],
      selector: { secret: { name: 'local' } },
      data: [{ match: { secretKey: 'api_U002e_token', remoteRef: { remoteKey: 'pushed' } } }],
    };
    await h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'push', namespace: ns },
      spec,
    });
    type PushView = KubeObject & {
      spec?: PushSecretSpec;
      status?: { conditions?: Array<{ type: string; status: string }> };
    };
    const ps = await waitFor('PushSecret push Ready=True', async () => {
      const p = await h.client.get<PushView>(PushSecretResources.pushSecrets, 'push', { namespace: ns });
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    });
    assert.deepEqual(ps.spec?.data, spec.data);
    // conversionStrategy None: the key is pushed as it is (ReverseUnicode would have turned _U002e_ into ".").
    await createExternalSecret(h, ns, 'pulled', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'store' },
      data: [{ secretKey: 'value', remoteRef: { key: 'pushed' } }],
    });
    const pulled = await waitFor('Secret pulled', () => getSecret(h, ns, 'pulled'));
    assert.deepEqual(decode(pulled.data), { value: 'gitops-token-9e2a' });
  });
});
