// Zero knowledge in memory: a running store process (its own process, as in production) that stored and served
// values holds none of the plaintexts and no customer-side material in its heap.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { storeClient } from './client.js';
import { customerShare, openEnvelope, sealEnvelope } from './envelope.js';

const script = join(import.meta.dirname, 'fixtures', 'store-cli.ts');
const root = mkdtempSync(join(tmpdir(), 'custos-store-mem-'));
const dataDir = join(root, 'data');
const snapshotDir = join(root, 'snapshots');
mkdirSync(snapshotDir);
let child: ChildProcess | undefined;
after(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('store process memory', () => {
  it('holds no plaintext and no customer fragment after writes and reads', async () => {
    const env = { ...process.env, CUSTOS_STORE_ROOT_KEY: '' };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, 'store', 'bootstrap', '--data-dir', dataDir, '-o', 'json'],
      { env },
    );
    const creds = JSON.parse(stdout) as { admin: { accessId: string; accessKey: string } };
    child = spawn(
      process.execPath,
      // cwd is the snapshot dir, so tsx is named by its resolved URL rather than looked up from cwd.
      [
        '--heapsnapshot-signal=SIGUSR2',
        '--import',
        import.meta.resolve('tsx'),
        script,
        'store',
        'serve',
        '--data-dir',
        dataDir,
        '--listen',
        '127.0.0.1:0',
      ],
      { cwd: snapshotDir, env, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child!.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const api = storeClient(url);
    const token = await api.login(creds.admin.accessId, creds.admin.accessKey);

    const fCustomer = randomBytes(32);
    const plaintexts: string[] = [];
    const customerShares: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const path = `/mdapi/app/secret-${i}`;
      const plaintext = `memory-marker-${i}-${randomBytes(12).toString('hex')}`;
      plaintexts.push(plaintext);
      const keyId = randomBytes(16);
      const share = await api.call('POST', '/v1/keys/share', {
        token,
        body: { path, keyId: keyId.toString('base64'), purpose: 'create' },
      });
      const dCustomer = customerShare(fCustomer, keyId);
      customerShares.push(dCustomer);
      const dStore = Buffer.from(share.body.share, 'base64');
      const ciphertext = sealEnvelope(plaintext, {
        path,
        version: 1,
        generation: share.body.generation,
        keyId,
        dStore,
        dCustomer,
      });
      const created = await api.call('POST', '/v1/items', {
        token,
        body: { path, ciphertext, keyId: keyId.toString('base64'), generation: share.body.generation },
      });
      assert.equal(created.status, 201, created.text);
      const read = await api.call('GET', `/v1/items?path=${path}`, { token });
      assert.equal(openEnvelope(read.body.ciphertext, { path, version: 1, keyId, dStore, dCustomer }), plaintext);
    }

    // Positive control: an open change-feed subscription keeps its prefix in the store's heap.
    const marker = `control-${randomBytes(12).toString('hex')}`;
    const controller = new AbortController();
    const stream = await fetch(`${url}/v1/events?prefix=/${marker}/`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    assert.equal(stream.status, 200);

    child.kill('SIGUSR2');
    // The process writes the snapshot synchronously; once it answers again, the file is complete.
    const deadline = Date.now() + 60_000;
    let file: string | undefined;
    while (!file && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const found = readdirSync(snapshotDir).find((f) => f.endsWith('.heapsnapshot'));
      if (found && (await api.call('GET', '/v1/health')).status === 200) file = found;
    }
    assert.ok(file, 'no heap snapshot was written');
    const heap = readFileSync(join(snapshotDir, file), 'utf8');
    controller.abort();
    // What the store does hold is found, so the searches below can fail.
    assert.ok(heap.includes(marker), 'the snapshot does not hold a string the store keeps');
    for (const plaintext of plaintexts)
      assert.ok(!heap.includes(plaintext), 'a plaintext is in the store process heap');
    for (const encoding of ['base64', 'hex'] as const) {
      assert.ok(!heap.includes(fCustomer.toString(encoding)), 'the customer fragment is in the store process heap');
      for (const share of customerShares)
        assert.ok(!heap.includes(share.toString(encoding)), 'a customer share is in the heap');
    }
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
});
