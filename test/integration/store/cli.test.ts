// `custos store bootstrap|serve|audit verify` as a user runs them, and TLS serving.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { createStoreServer } from '../../../src/store/api/server.js';

const script = join(import.meta.dirname, 'fixtures', 'store-cli.ts');
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'custos-store-cli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const custos = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, CUSTOS_STORE_ROOT_KEY: '' } });

function selfSigned(): { cert: string; key: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const attrs = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions
function httpsJson(url: string, ca: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('custos store CLI', () => {
  let creds: { admin: { accessId: string; accessKey: string }; gateway: { accessId: string; accessKey: string } };

  it('bootstraps once, printing both keys, and refuses a second bootstrap', async () => {
    const { stdout } = await custos('store', 'bootstrap', '--data-dir', dataDir, '-o', 'json');
    creds = JSON.parse(stdout);
    assert.match(creds.admin.accessId, /^p-/);
    assert.match(creds.gateway.accessId, /^p-/);
    await assert.rejects(custos('store', 'bootstrap', '--data-dir', dataDir), (e: { stderr: string }) =>
      /already bootstrapped/.test(e.stderr),
    );
  });

  it('serves the bootstrapped store until SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, 'store', 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const login = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'api_key', accessId: creds.admin.accessId, accessKey: creds.admin.accessKey }),
    });
    assert.equal(login.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('verifies the audit log of the data dir', async () => {
    const { stdout } = await custos('store', 'audit', 'verify', '--data-dir', dataDir);
    assert.match(stdout, /audit log intact: \d+ entries/);
  });

  it('explains bad flags', async () => {
    await assert.rejects(
      custos('store', 'serve', '--data-dir', dataDir, '--listen', 'nonsense'),
      (e: { stderr: string }) => /must be HOST:PORT/.test(e.stderr),
    );
  });

  it('serves over TLS with a given certificate and refuses plain HTTP off loopback', async () => {
    const tls = selfSigned();
    const server = await createStoreServer({ location: { dataDir, env: {} }, tls });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const login = await httpsJson(`${server.url}/v1/auth/login`, tls.cert, {
        type: 'api_key',
        accessId: creds.admin.accessId,
        accessKey: creds.admin.accessKey,
      });
      assert.equal(login.status, 200);
      assert.match(login.body.token, /^t-/);
    } finally {
      await server.close();
    }
    await assert.rejects(createStoreServer({ location: { dataDir, env: {} }, host: '0.0.0.0' }), /refusing plain HTTP/);
  });
});
