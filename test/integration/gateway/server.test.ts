// The gateway server on a real socket: TLS by default with a generated certificate that clients verify through
// the saved CA, the certificate reused across restarts, plain HTTP only when asked for, unseal over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { GatewayClient } from '../../../src/gateway/gateway-client.js';
import { createGatewayServer } from '../../../src/gateway/server.js';

const root = mkdtempSync(join(tmpdir(), 'custos-gw-server-'));
after(() => rmSync(root, { recursive: true, force: true }));
// Nothing listens here: these tests never reach the store.
const storeUrl = 'http://127.0.0.1:9';

function get(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway server', () => {
  it('serves TLS with a generated certificate that verifies against the saved CA, reused on restart', async () => {
    const configDir = join(root, 'tls');
    await initFragments(configDir, { type: 'shamir', shares: 3, threshold: 2 });
    const first = await createGatewayServer({ storeUrl, configDir, logger: false });
    try {
      assert.match(first.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(first.caPem && first.caPath);
      const health = await get(`${first.url}/v1/health`, first.caPem);
      assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok', sealed: true }]);
      await assert.rejects(get(`${first.url}/v1/health`), /self-signed|unable to verify|certificate/);
    } finally {
      await first.close();
    }
    const second = await createGatewayServer({ storeUrl, configDir, logger: false });
    try {
      assert.equal(second.caPem, first.caPem, 'the CA survives a restart so clients keep trusting it');
      assert.equal((await get(`${second.url}/v1/health`, readFileSync(first.caPath!, 'utf8'))).status, 200);
    } finally {
      await second.close();
    }
    assert.deepEqual(readdirSync(configDir).sort(), ['fragments.json', 'tls']);
    assert.deepEqual(readdirSync(join(configDir, 'tls')).sort(), ['ca.crt', 'gateway.crt', 'gateway.key']);
  });

  it('plain HTTP only with the explicit flag; unseal by shares over the API', async () => {
    const configDir = join(root, 'http');
    const { shares } = await initFragments(configDir, { type: 'shamir', shares: 3, threshold: 2 });
    const server = await createGatewayServer({ storeUrl, configDir, insecureHttp: true, logger: false });
    try {
      assert.match(server.url, /^http:\/\//);
      const client = new GatewayClient({ url: server.url });
      assert.equal((await client.status()).sealed, true);
      await assert.rejects(client.unseal('not-a-share'), /not an unseal share/);
      const raw = await fetch(`${server.url}/v1/sys/unseal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ share: 'not-a-share' }),
      });
      assert.equal(raw.status, 400, "a bad share is the caller's input error");
      assert.equal((await client.unseal(shares![0]!)).progress, 1);
      const status = await client.unseal(shares![2]!);
      assert.equal(status.sealed, false);
      assert.deepEqual(status.generations, [1]);
    } finally {
      await server.close();
    }
  });

  it('refuses to start without a fragment file, saying how to make one', async () => {
    await assert.rejects(
      createGatewayServer({ storeUrl, configDir: join(root, 'empty'), insecureHttp: true, logger: false }),
      /custos fragment init/,
    );
  });
});
