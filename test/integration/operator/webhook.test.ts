// ESO's validating admission webhook, served by the operator and called by the real kube-apiserver through a
// ValidatingWebhookConfiguration: bad ExternalSecrets and stores are refused at create and update with ESO's
// messages and nothing is stored; good ones, and deletes, pass. The configuration selects only this file's
// labelled objects, so the other test files sharing the control plane never reach it.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import pino from 'pino';
import { isNotFound, type KubeObject, type ResourceType } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { ensureCertificateSecret, injectCaBundle, writeCertDir } from '../../../src/operator/webhook/certificates.js';
import { startWebhookServer } from '../../../src/operator/webhook/server.js';
import { defaultProviderRegistry } from '../../../src/providers/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import { selfSignedPair } from '../../helpers/e2e-seed003.js';
import { createNamespace, type Harness, harness, startTestOperator, waitFor } from './harness.js';

const webhookConfigurations: ResourceType = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingwebhookconfigurations',
  kind: 'ValidatingWebhookConfiguration',
  namespaced: false,
};

describe("the admission webhook, called by the API server, answers as ESO's", { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let op: OperatorHandle;
  let certDir: string;
  const label = { 'custos-test/webhook': uniqueName('w') };
  const configName = uniqueName('custos-webhook-test');
  const klass = uniqueName('webhook-class');

  const es = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: ns, labels: label },
    spec,
  });
  const store = (kind: 'SecretStore' | 'ClusterSecretStore', name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'external-secrets.io/v1',
    kind,
    metadata: { name, labels: label, ...(kind === 'SecretStore' ? { namespace: ns } : {}) },
    spec: { controller: klass, ...spec },
  });
  const refused = async (create: Promise<unknown>, webhook: string, message: string) => {
    await assert.rejects(create, (error: Error) => {
      assert.match(error.message, /403|Forbidden/);
      assert.ok(
        error.message.includes(`admission webhook "${webhook}" denied the request: ${message}`),
        `expected ESO's message, got: ${error.message}`,
      );
      return true;
    });
  };
  const absent = async (type: ResourceType, name: string, namespace?: string) => {
    await assert.rejects(h.client.get(type, name, { namespace }), (e) => isNotFound(e));
  };

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'webhook');
    // The control plane's own serving certificate is valid for 127.0.0.1 and signed by the CA the test trusts.
    const { kubeconfigPath } = await integration.cluster();
    const planeDir = dirname(kubeconfigPath);
    certDir = mkdtempSync(join(tmpdir(), 'custos-webhook-'));
    copyFileSync(join(planeDir, 'apiserver.crt'), join(certDir, 'tls.crt'));
    copyFileSync(join(planeDir, 'apiserver.key'), join(certDir, 'tls.key'));
    const caBundle = Buffer.from(h.kc.getCurrentCluster()?.caData ?? '', 'base64').toString('base64');
    op = await startTestOperator(h, {
      namespace: ns,
      controllerClass: klass,
      webhook: { address: '127.0.0.1:0', certDir },
    });
    assert.ok(op.webhookAddress);
    const url = (kind: string) => `https://${op.webhookAddress}/validate-external-secrets-io-v1-${kind}`;
    const webhook = (kind: string, plural: string) => ({
      name: `validate.${kind}.external-secrets.io`,
      clientConfig: { url: url(kind), caBundle },
      rules: [
        {
          apiGroups: ['external-secrets.io'],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE', 'DELETE'],
          resources: [plural],
          scope: '*',
        },
      ],
      objectSelector: { matchLabels: label },
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: 5,
    });
    await h.client.create(webhookConfigurations, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: configName },
      webhooks: [
        webhook('externalsecret', 'externalsecrets'),
        webhook('secretstore', 'secretstores'),
        webhook('clustersecretstore', 'clustersecretstores'),
      ],
    } as KubeObject);
    // The API server picks the configuration up from its informer: wait until a bad object is refused.
    await waitFor('the webhook in effect', async () => {
      try {
        await h.client.create(OperatorResources.externalSecrets, es(uniqueName('probe'), {}), { dryRun: 'All' });
        return undefined;
      } catch (error) {
        return /denied the request/.test((error as Error).message) || undefined;
      }
    });
  });

  after(async () => {
    await h?.client.delete(webhookConfigurations, configName).catch(() => undefined);
    await op?.stop();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('refuses bad ExternalSecrets at create, with every problem in ESO words, and stores nothing', async () => {
    const webhook = 'validate.externalsecret.external-secrets.io';
    await refused(
      h.client.create(
        OperatorResources.externalSecrets,
        es('merge-delete', {
          target: { creationPolicy: 'Merge', deletionPolicy: 'Delete' },
          data: [{ secretKey: 'a', remoteRef: { key: 'k' } }],
        }),
      ),
      webhook,
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
    );
    await absent(OperatorResources.externalSecrets, 'merge-delete', ns);
    await refused(
      h.client.create(OperatorResources.externalSecrets, es('empty', { secretStoreRef: { name: 's' } })),
      webhook,
      'either data or dataFrom should be specified',
    );
    await refused(
      h.client.create(
        OperatorResources.externalSecrets,
        es('two', { secretStoreRef: { name: 's' }, target: { creationPolicy: 'None', deletionPolicy: 'Merge' } }),
      ),
      webhook,
      'deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with\neither data or dataFrom should be specified',
    );
    await refused(
      h.client.create(
        OperatorResources.externalSecrets,
        es('dup', {
          secretStoreRef: { name: 's' },
          data: [
            { secretKey: 'a', remoteRef: { key: 'k' } },
            { secretKey: 'a', remoteRef: { key: 'k2' } },
          ],
        }),
      ),
      webhook,
      'duplicate secretKey found: a',
    );
    await refused(
      h.client.create(
        OperatorResources.externalSecrets,
        es('token', {
          secretStoreRef: { name: 's' },
          data: [{ secretKey: 'a', remoteRef: { key: 'k' } }],
          target: { template: { type: 'bootstrap.kubernetes.io/token' } },
        }),
      ),
      webhook,
      'template.type="bootstrap.kubernetes.io/token" is not allowed',
    );
  });

  it('lets a good ExternalSecret in, refuses an update that breaks it (leaving it as it was), allows its delete', async () => {
    const good = es('good', { secretStoreRef: { name: 's' }, data: [{ secretKey: 'a', remoteRef: { key: 'k' } }] });
    await h.client.create(OperatorResources.externalSecrets, good);
    await refused(
      h.client.patch(OperatorResources.externalSecrets, 'good', { spec: { data: null } }, { namespace: ns }),
      'validate.externalsecret.external-secrets.io',
      'either data or dataFrom should be specified',
    );
    const after = await h.client.get<KubeObject & { spec: { data: unknown[] } }>(
      OperatorResources.externalSecrets,
      'good',
      {
        namespace: ns,
      },
    );
    assert.deepEqual(after.spec.data, good.spec.data, 'the refused update changed nothing');
    await h.client.delete(OperatorResources.externalSecrets, 'good', { namespace: ns });
  });

  it('refuses stores with a bad provider config or namespace regex, and lets an unsupported provider through', async () => {
    await refused(
      h.client.create(
        OperatorResources.secretStores,
        store('SecretStore', 'bad-fake', { provider: { fake: { data: [{ key: '', value: 'v' }] } } }),
      ),
      'validate.secretstore.external-secrets.io',
      'key must be set in data 0',
    );
    await absent(OperatorResources.secretStores, 'bad-fake', ns);
    await h.client.create(
      OperatorResources.secretStores,
      store('SecretStore', 'good-fake', { provider: { fake: { data: [{ key: 'k', value: 'v' }] } } }),
    );
    const css = uniqueName('bad-css');
    await refused(
      h.client.create(
        OperatorResources.clusterSecretStores,
        store('ClusterSecretStore', css, {
          provider: { fake: { data: [] } },
          conditions: [{ namespaceRegexes: ['^ok$', '^team-(a|b$'] }],
        }),
      ),
      'validate.clustersecretstore.external-secrets.io',
      'failed to compile 1th namespace regex in 0th condition: error parsing regexp: missing closing ): `^team-(a|b$`',
    );
    await absent(OperatorResources.clusterSecretStores, css);
    // ESO would accept it (it links the provider in); Custos warns and the store reports InvalidProviderConfig.
    await h.client.create(
      OperatorResources.secretStores,
      store('SecretStore', 'aws', { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } }),
    );
  });

  it('self-managed certificates: replicas racing agree on one, renewal keeps the old CA trusted, caBundle follows', async () => {
    const certificates = (certDir: string, renewBeforeMs?: number) => ({
      client: h.client,
      namespace: ns,
      secretName: 'racing-tls',
      serviceName: 'racing',
      configName,
      certDir,
      logger: pino({ level: 'silent' }),
      renewBeforeMs,
    });
    const dirs = [1, 2].map((i) => mkdtempSync(join(tmpdir(), `custos-webhook-replica-${i}-`)));
    try {
      // Two replicas start at once with no Secret: one creates it, the other uses the winner's.
      const [a, b] = await Promise.all(dirs.map((d) => ensureCertificateSecret(certificates(d))));
      assert.equal(a?.data?.['tls.crt'], b?.data?.['tls.crt']);
      assert.equal(writeCertDir(dirs[0] as string, a as never), true);
      assert.equal(writeCertDir(dirs[0] as string, a as never), false, 'unchanged: not rewritten');
      const firstCa = Buffer.from(a?.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
      // Within the renewal window (here: always): a new certificate, and the previous CA stays in the bundle.
      const renewed = await ensureCertificateSecret(certificates(dirs[0] as string, 400 * 24 * 3600 * 1000));
      assert.notEqual(renewed.data?.['tls.crt'], a?.data?.['tls.crt']);
      const bundle = Buffer.from(renewed.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
      assert.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2);
      assert.ok(bundle.includes(firstCa.trim()), 'the old CA is still trusted');
      assert.equal(writeCertDir(dirs[0] as string, renewed), true);
      assert.equal(
        readFileSync(join(dirs[0] as string, 'tls.crt'), 'utf8'),
        Buffer.from(renewed.data?.['tls.crt'] ?? '', 'base64').toString('utf8'),
      );
      // The configuration of this file gets the bundle (and its own URL clientConfigs are kept).
      const before = await h.client.get<
        KubeObject & { webhooks: Array<{ clientConfig: { url?: string; caBundle?: string } }> }
      >(webhookConfigurations, configName);
      assert.equal(await injectCaBundle(h.client, configName, bundle), true);
      const after = await h.client.get<
        KubeObject & { webhooks: Array<{ clientConfig: { url?: string; caBundle?: string } }> }
      >(webhookConfigurations, configName);
      for (const [i, webhook] of after.webhooks.entries()) {
        assert.equal(webhook.clientConfig.caBundle, renewed.data?.['ca.crt']);
        assert.equal(webhook.clientConfig.url, before.webhooks[i]?.clientConfig.url);
      }
      assert.equal(await injectCaBundle(h.client, uniqueName('no-such-config'), bundle), false);
    } finally {
      // Put the control plane's CA back: the other tests of this file talk to the operator's webhook through it.
      const { caData } = h.kc.getCurrentCluster() ?? {};
      await injectCaBundle(h.client, configName, Buffer.from(caData ?? '', 'base64').toString('utf8'));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it('answers a wrong path, method or body clearly and survives a caller that hangs up mid-request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-webhook-bad-'));
    const pair = await selfSignedPair('localhost');
    writeFileSync(join(dir, 'tls.crt'), pair.certificatePem);
    writeFileSync(join(dir, 'tls.key'), pair.privateKeyPem);
    const server = await startWebhookServer({
      address: '127.0.0.1:0',
      certDir: dir,
      registry: defaultProviderRegistry(),
      logger: pino({ level: 'silent' }),
    });
    const base = `https://${server.address}`;
    const call = (path: string, init: { method: string; body?: string }) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${base}${path}`, { method: init.method, rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(init.body);
      });
    try {
      const es = '/validate-external-secrets-io-v1-externalsecret';
      assert.equal((await call('/validate-something-else', { method: 'POST', body: '{}' })).status, 404);
      assert.equal((await call(es, { method: 'GET' })).status, 405);
      const garbage = await call(es, { method: 'POST', body: 'not json' });
      assert.equal(garbage.status, 400);
      assert.match(JSON.parse(garbage.body).message, /JSON/);
      const noReview = await call(es, { method: 'POST', body: '{"kind":"Pod"}' });
      assert.deepEqual(JSON.parse(noReview.body), { message: 'not an AdmissionReview: request.uid is missing' });
      // A caller that sends half a body and disconnects.
      await new Promise<void>((resolve) => {
        const req = httpsRequest(`${base}${es}`, {
          method: 'POST',
          rejectUnauthorized: false,
          headers: { 'content-length': '1000' },
        });
        req.on('error', () => resolve());
        req.write('{"request":');
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
      const after = await call(es, {
        method: 'POST',
        body: JSON.stringify({
          request: {
            uid: 'u',
            operation: 'CREATE',
            object: { spec: { data: [{ secretKey: 'a', remoteRef: { key: 'k' } }] } },
          },
        }),
      });
      assert.deepEqual(JSON.parse(after.body).response, { uid: 'u', allowed: true });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a renewed certificate without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-webhook-rotate-'));
    const fingerprint = (address: string) =>
      new Promise<string>((resolve, reject) => {
        const [host, port] = [
          address.slice(0, address.lastIndexOf(':')),
          Number(address.slice(address.lastIndexOf(':') + 1)),
        ];
        const socket = connect({ host, port, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
    const write = async () => {
      const pair = await selfSignedPair('localhost');
      writeFileSync(join(dir, 'tls.crt'), pair.certificatePem);
      writeFileSync(join(dir, 'tls.key'), pair.privateKeyPem);
    };
    await write();
    const server = await startWebhookServer({
      address: '127.0.0.1:0',
      certDir: dir,
      registry: defaultProviderRegistry(),
      logger: pino({ level: 'silent' }),
      certCheckIntervalMs: 50,
    });
    try {
      const first = await fingerprint(server.address);
      await new Promise((r) => setTimeout(r, 20)); // a different mtime
      await write();
      await waitFor(
        'the renewed certificate served',
        async () => (await fingerprint(server.address)) !== first || undefined,
      );
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
