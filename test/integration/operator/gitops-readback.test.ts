// GitOps tools (Argo CD, Flux) compare a list in the cluster with the list in Git as a whole, so a field the API
// server fills into a list item that the manifest left out is a permanent OutOfSync (ESO issues #5895, #6797).
// On the real control plane: data[] and dataFrom[] entries that leave every optional field out (the strategies,
// metadataPolicy, nullBytePolicy) read back exactly as written, and the operator applies ESO's defaults for them.
// (The defaults ESO's own code relies on stay in the CRDs: docs/crds.md, "Defaults and GitOps diffs".)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
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
    op = await startTestOperator(h, { namespace: ns });
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
});
