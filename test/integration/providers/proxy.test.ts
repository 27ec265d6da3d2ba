// Outbound proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), which ESO's Go clients honour and users behind corporate
// proxies rely on: a Webhook generator reaches an HTTPS service by a name only the proxy can route (CONNECT; TLS
// still checked against the service's certificate), the vault provider reaches a real Vault over HTTP through the
// proxy (absolute-form requests), and NO_PROXY sends the same calls direct, where the name does not resolve.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorError, GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import { VaultSecretsProvider } from '../../../src/providers/vault/index.js';
import { integration } from '../../helpers/cluster.js';
import { type HttpProxy, startHttpProxy } from '../../helpers/http-proxy.js';
import { trustedServerCert } from '../../helpers/test-ca.js';
import { startVault, type VaultServer, vaultBuildOrSkip } from '../../helpers/vault-server.js';
import { createNamespace, type Harness, harness } from '../operator/harness.js';

const vaultBuild = integration.skipReason ? {} : vaultBuildOrSkip();
const ENV_KEYS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'] as const;

describe(
  'outbound proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)',
  { skip: integration.skipReason ?? vaultBuild.skip },
  () => {
    let h: Harness;
    let ns: string;
    let service: Server;
    let vault: VaultServer;
    let proxy: HttpProxy;
    const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
    const vaultPort = () => Number(new URL(vault.address).port);

    before(async () => {
      h = await harness();
      ns = await createNamespace(h, 'proxy');
      const cert = await trustedServerCert({ dns: ['hooks.corp.test'] });
      service = createServer({ cert: cert.certificatePem, key: cert.privateKeyPem }, (req, res) => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ token: 'via-proxy', path: req.url }));
      });
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      vault = await startVault({ binary: vaultBuild.binary });
      await vault.request('POST', 'secret/data/app', { data: { password: 'through-the-proxy' } });
      proxy = await startHttpProxy({
        'hooks.corp.test:443': (service.address() as AddressInfo).port,
        'vault.corp.test:8200': vaultPort(),
      });
      await h.client.create(Resources.secrets, {
        metadata: { name: 'vault-token', namespace: ns },
        stringData: { token: vault.rootToken },
      });
      await h.client.create(GeneratorResources.Webhook, {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'Webhook',
        metadata: { name: 'hook', namespace: ns },
        spec: { url: 'https://hooks.corp.test/issue', result: {} },
      });
    });

    after(async () => {
      await proxy?.stop();
      await vault?.stop();
      await new Promise((resolve) => service?.close(resolve));
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    const generate = () => resolveGenerator(h.client, ns, { kind: 'Webhook', name: 'hook' });
    const text = (map: Record<string, Uint8Array>) =>
      Object.fromEntries(Object.entries(map).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));

    it('an https call goes through HTTPS_PROXY with CONNECT, and TLS is still checked end to end', async () => {
      process.env.HTTPS_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      const start = proxy.seen.length;
      assert.deepEqual(text(await generate()), { token: 'via-proxy', path: '/issue' });
      assert.deepEqual(proxy.seen.slice(start), ['CONNECT hooks.corp.test:443']);
    });

    it('NO_PROXY sends the call direct (where hooks.corp.test does not resolve)', async () => {
      process.env.HTTPS_PROXY = proxy.url;
      process.env.NO_PROXY = 'localhost,.corp.test';
      const start = proxy.seen.length;
      await assert.rejects(
        generate(),
        (e: unknown) => e instanceof GeneratorError && e.code === 'Unavailable' && /hooks\.corp\.test/.test(e.message),
      );
      assert.deepEqual(proxy.seen.slice(start), []);
    });

    it('the vault provider reaches Vault over http through HTTP_PROXY', async () => {
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      const start = proxy.seen.length;
      const client = await new VaultSecretsProvider().newClient({
        store: {
          kind: 'SecretStore',
          name: 'vault',
          namespace: ns,
          spec: {
            provider: {
              vault: {
                server: 'http://vault.corp.test:8200',
                path: 'secret',
                version: 'v2',
                auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
              },
            },
          },
        },
        namespace: ns,
        kube: { kubeConfig: h.kc },
      });
      try {
        const value = await client.getSecret({ key: 'app', property: 'password' });
        assert.equal(Buffer.from(value).toString('utf8'), 'through-the-proxy');
      } finally {
        await client.close();
      }
      assert.ok(
        proxy.seen.slice(start).includes('GET http://vault.corp.test:8200/v1/secret/data/app'),
        String(proxy.seen.slice(start)),
      );
    });
  },
);
