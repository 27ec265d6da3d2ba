// A real exec credential plugin (a small node script, named by a path relative to the kubeconfig) feeding the
// in-house Kubeconfig a client certificate, against the real API server: the plugin gets KUBERNETES_EXEC_INFO,
// its answer is cached until expirationTimestamp, and KubeClient authenticates with it.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { KubeClient } from '../../../src/kube/client.js';
import { Kubeconfig } from '../../../src/kube/kubeconfig/index.js';
import { Resources } from '../../../src/kube/resources.js';
import { integration } from '../../helpers/cluster.js';

interface AdminKubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

const plugin = `#!${process.execPath}
import { appendFileSync, readFileSync } from 'node:fs';
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
appendFileSync(process.env.RUNS_FILE, info.apiVersion + ' ' + (info.spec.cluster?.server ?? '-') + '\\n');
process.stdout.write(JSON.stringify({
  apiVersion: info.apiVersion,
  kind: 'ExecCredential',
  status: {
    clientCertificateData: readFileSync(process.env.CERT_FILE, 'utf8'),
    clientKeyData: readFileSync(process.env.KEY_FILE, 'utf8'),
    expirationTimestamp: new Date(Date.now() + 3600_000).toISOString(),
  },
}));
`;

describe('Kubeconfig exec plugin on a real API server', { skip: integration.skipReason }, () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-exec-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('authenticates with the client certificate the plugin prints, running it once', async () => {
    const { kubeconfigPath } = await integration.cluster();
    const admin = parse(readFileSync(kubeconfigPath, 'utf8')) as AdminKubeconfig;
    const cluster = admin.clusters[0]?.cluster;
    const user = admin.users[0]?.user;
    assert.ok(cluster && user);
    const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    writeFileSync(join(dir, 'cert.pem'), pem(user['client-certificate-data']));
    writeFileSync(join(dir, 'key.pem'), pem(user['client-key-data']));
    const runs = join(dir, 'runs');
    writeFileSync(runs, '');
    writeFileSync(join(dir, 'plugin.mjs'), plugin);
    chmodSync(join(dir, 'plugin.mjs'), 0o755);
    const path = join(dir, 'config');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'exec',
        clusters: [{ name: 'plane', cluster }],
        users: [
          {
            name: 'plugin',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: './plugin.mjs',
                interactiveMode: 'Never',
                provideClusterInfo: true,
                env: [
                  { name: 'RUNS_FILE', value: runs },
                  { name: 'CERT_FILE', value: join(dir, 'cert.pem') },
                  { name: 'KEY_FILE', value: join(dir, 'key.pem') },
                ],
              },
            },
          },
        ],
        contexts: [{ name: 'exec', context: { cluster: 'plane', user: 'plugin' } }],
      }),
    );

    const kc = new Kubeconfig();
    kc.loadFromFile(path);
    const client = new KubeClient(kc);
    try {
      const list = await client.list(Resources.namespaces);
      assert.ok(list.items.some((ns) => ns.metadata?.name === 'default'));
      await kc.applyToHTTPSOptions({});
    } finally {
      client.close();
    }
    assert.deepEqual(readFileSync(runs, 'utf8').trim().split('\n'), [
      `client.authentication.k8s.io/v1 ${cluster.server.replace(/\/+$/, '')}`,
    ]);
  });
});
