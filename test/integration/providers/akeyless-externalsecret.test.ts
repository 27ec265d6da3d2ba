// Seed 003's ExternalSecrets, applied as written, against an HTTPS Akeyless double through the running operator:
// single values, dataFrom.extract of JSON, a certificate split into tls.crt/tls.key, and a denied item that turns
// the ExternalSecret Ready=False without a secret value anywhere in the operator's logs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { AkeylessApiDouble } from '../../helpers/akeyless-api-double.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  getExternalSecret,
  getSecret,
  type Harness,
  harness,
  readyOf,
  startTestOperator,
  waitFor,
} from '../operator/harness.js';

const MARK = `SV${randomBytes(6).toString('hex')}`;
const ACCESS_KEY = `${MARK}-access-key`;

describe('akeyless provider through the operator (seed 003 manifests)', { skip: integration.skipReason }, () => {
  let h: Harness;
  let op: OperatorHandle;
  let api: AkeylessApiDouble;
  let ns: string;
  let tlsDir: string;

  before(async () => {
    h = await harness();
    tlsDir = mkdtempSync(join(tmpdir(), 'akeyless-es-tls-'));
    const tls = await loadOrCreateServingCertificate(tlsDir, ['127.0.0.1']);
    api = await AkeylessApiDouble.start({ tls: { key: tls.keyPem, cert: tls.certPem }, prefix: '/v2' });
    api.methods.set('p-demo', { accessKey: ACCESS_KEY, allow: ['/path/to/'] });
    api.setStatic('/path/to/the/secret/api-key', `${MARK}-api-key`);
    api.setStatic('/path/to/the/secret/db-password', `${MARK}-db-password`);
    api.setStatic('/path/to/the/json-secret', JSON.stringify({ username: 'demo', password: `${MARK}-s3cr3t` }));
    api.items.set('/path/to/the/certificate-item', {
      type: 'CERTIFICATE',
      reply: { certificate_pem: `CERT-${MARK}`, private_key_pem: `KEY-${MARK}` },
    });
    api.setStatic('/devops/static_secret_1', `${MARK}-not-for-this-identity`);

    ns = await createNamespace(h, 'akeyless-demo');
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'akeyless-secret-creds', namespace: ns },
      type: 'Opaque',
      stringData: { accessId: 'p-demo', accessType: 'api_key', accessTypeParam: ACCESS_KEY },
    });
    const ref = (key: string) => ({ name: 'akeyless-secret-creds', key });
    await h.client.create(OperatorResources.secretStores, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'akeyless-secret-store', namespace: ns },
      spec: {
        provider: {
          akeyless: {
            akeylessGWApiURL: api.url,
            caBundle: Buffer.from(tls.caPem ?? '').toString('base64'),
            authSecretRef: {
              secretRef: {
                accessID: ref('accessId'),
                accessType: ref('accessType'),
                accessTypeParam: ref('accessTypeParam'),
              },
            },
          },
        },
      },
    });
    op = await startTestOperator(h, { namespace: ns, concurrency: 2 });
  });

  after(async () => {
    await op?.stop();
    await api?.close();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  const store = { kind: 'SecretStore' as const, name: 'akeyless-secret-store' };

  it('syncs single values', async () => {
    await createExternalSecret(h, ns, 'akeyless-external-secret', {
      refreshInterval: '1h',
      secretStoreRef: store,
      target: { name: 'app-config-secret', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'api-key', remoteRef: { key: '/path/to/the/secret/api-key' } },
        { secretKey: 'db-password', remoteRef: { key: '/path/to/the/secret/db-password' } },
      ],
    });
    const secret = await waitFor('app-config-secret', () => getSecret(h, ns, 'app-config-secret'));
    assert.deepEqual(decode(secret.data), { 'api-key': `${MARK}-api-key`, 'db-password': `${MARK}-db-password` });
  });

  it('splits JSON with dataFrom.extract', async () => {
    await createExternalSecret(h, ns, 'akeyless-external-secret-json', {
      refreshInterval: '1h',
      secretStoreRef: store,
      target: { name: 'app-config-json', creationPolicy: 'Owner' },
      dataFrom: [{ extract: { key: '/path/to/the/json-secret' } }],
    });
    const secret = await waitFor('app-config-json', () => getSecret(h, ns, 'app-config-json'));
    assert.deepEqual(decode(secret.data), { username: 'demo', password: `${MARK}-s3cr3t` });
  });

  it('splits a certificate into a kubernetes.io/tls Secret', async () => {
    await createExternalSecret(h, ns, 'akeyless-tls-secret', {
      refreshInterval: '1h',
      secretStoreRef: store,
      target: { name: 'my-tls-secret', creationPolicy: 'Owner', template: { type: 'kubernetes.io/tls' } },
      data: [
        { secretKey: 'tls.crt', remoteRef: { key: '/path/to/the/certificate-item', property: 'certificate_pem' } },
        { secretKey: 'tls.key', remoteRef: { key: '/path/to/the/certificate-item', property: 'private_key_pem' } },
      ],
    });
    const secret = await waitFor('my-tls-secret', () => getSecret(h, ns, 'my-tls-secret'));
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(decode(secret.data), { 'tls.crt': `CERT-${MARK}`, 'tls.key': `KEY-${MARK}` });
  });

  it('reports a denied item as Ready=False (access denied), and no value reaches the logs', async () => {
    await createExternalSecret(h, ns, 'denied', {
      refreshInterval: '1h',
      secretStoreRef: store,
      target: { name: 'denied' },
      data: [{ secretKey: 'x', remoteRef: { key: '/devops/static_secret_1' } }],
    });
    const es = await waitFor('denied Ready=False', async () => {
      const current = await getExternalSecret(h, ns, 'denied');
      return readyOf(current)?.status === 'False' ? current : undefined;
    });
    assert.match(readyOf(es)?.message ?? '', /access denied/);
    assert.equal(await getSecret(h, ns, 'denied'), undefined);
    // One login served every ExternalSecret (the token is cached).
    assert.equal(api.calls('auth').length, 1);
    const leaks = h.logs.filter((line) => line.includes(MARK));
    assert.deepEqual(leaks, [], 'secret values in operator logs');
    assert.ok(!JSON.stringify(es.status ?? {}).includes(MARK));
  });
});
