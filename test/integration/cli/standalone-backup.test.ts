// `custos store backup` and `custos fragment backup` on a standalone store and gateway: both halves are backed up
// with the real binary while the servers run, restored into empty dirs, and a new store + gateway started from them
// (unsealed with the original key file) serve the same values. Archives hold no value and no key in clear; a wrong
// backup key, a wrong kind of archive, a non-empty target and PostgreSQL are refused with errors that say why.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStoreBackup, restoreStoreBackup } from '../../../src/cli/store-backup.js';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { createGatewayServer, type GatewayServer } from '../../../src/gateway/server.js';
import { loadOrCreateServingCertificate } from '../../../src/gateway/tls.js';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';
import { storeClient } from '../store/client.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const root = mkdtempSync(join(tmpdir(), 'custos-standalone-backup-'));
const at = (...parts: string[]) => join(root, ...parts);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function custos(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  // The root key comes from the data dir unless a test sets the variable on purpose.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: root };
  delete env.CUSTOS_STORE_ROOT_KEY;
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repo, 'bin/custos.js'), ...args],
      { cwd: repo, env, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<Result> {
  const result = await custos(args, extraEnv);
  assert.equal(result.code, 0, `custos ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}

async function refused(args: string[], pattern: RegExp): Promise<void> {
  const result = await custos(args);
  assert.notEqual(result.code, 0, `custos ${args.join(' ')} should fail`);
  assert.match(result.stderr, pattern);
}

const values = new Map(
  [1, 2, 3].map((i) => [`/apps/backup/item-${i}`, `standalone-VALUE-${i}-${randomBytes(6).toString('hex')}`]),
);

async function startPair(storeDir: string, configDir: string): Promise<{ store: StoreServer; gateway: GatewayServer }> {
  const store = await createStoreServer({ location: { dataDir: storeDir, env: {} }, logger: false });
  const gateway = await createGatewayServer({
    storeUrl: store.url,
    configDir,
    unsealKeyFile: at('unseal.key'),
    insecureHttp: true,
    logger: false,
  });
  return { store, gateway };
}

describe('standalone backups: store half and gateway half', () => {
  const storeDir = at('store');
  const configDir = at('gateway');
  const keyFile = at('backup.key');
  const storeArchive = at('store.backup');
  const gatewayArchive = at('gateway.backup');
  let running: { store: StoreServer; gateway: GatewayServer } | undefined;
  let admin: { accessId: string; accessKey: string };

  before(async () => {
    await initFragments(configDir, { type: 'key-file', keyFile: at('unseal.key') });
    // The TLS files a gateway generates for itself on first start; the gateway below serves plain HTTP for the test.
    await loadOrCreateServingCertificate(configDir, []);
    running = await startPair(storeDir, configDir);
    admin = (await bootstrap(running.store.context.storage, running.store.context.auth)).admin;
    const api = storeClient(running.gateway.url);
    const token = await api.login(admin.accessId, admin.accessKey);
    for (const [path, value] of values) {
      const put = await api.call('POST', '/v1/secrets', { token, body: { path, value } });
      assert.equal(put.status, 201, put.text);
    }
  });
  after(async () => {
    await running?.gateway.close();
    await running?.store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up both halves while the servers run; the archives hold nothing in clear', async () => {
    const store = await ok([
      ...['store', 'backup', 'create', '--data-dir', storeDir, '--out', storeArchive, '--key-file', keyFile],
    ]);
    assert.match(store.stdout, /store backup of .* written to .* in \d+ ms/);
    assert.match(store.stderr, /new backup key written to/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const gateway = await ok([
      ...['fragment', 'backup', 'create', '--config-dir', configDir, '--out', gatewayArchive, '--key-file', keyFile],
    ]);
    assert.match(gateway.stdout, /gateway backup of .* written to .* in \d+ ms/);
    assert.match(gateway.stderr, /sealed by an unseal key file, which are NOT in the archive: the operators hold/);

    const secrets = [
      ...values.values(),
      readFileSync(join(storeDir, 'root.key'), 'utf8').trim(),
      readFileSync(at('unseal.key'), 'utf8').trim(),
      readFileSync(join(configDir, 'tls', 'gateway.key'), 'utf8').split('\n')[1]!,
      readFileSync(keyFile, 'utf8').trim(),
      'SQLite format',
    ];
    for (const file of [storeArchive, gatewayArchive]) {
      const bytes = readFileSync(file);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      for (const secret of secrets) assert.equal(bytes.includes(secret), false, `${file} holds ${secret.slice(0, 8)}…`);
      assert.equal(bytes.includes(Buffer.from(values.get('/apps/backup/item-1')!).toString('base64')), false);
    }
    assert.equal(JSON.parse(readFileSync(storeArchive, 'utf8')).format, 'custos-store-backup/v1');
    assert.equal(JSON.parse(readFileSync(gatewayArchive, 'utf8')).format, 'custos-gateway-backup/v1');
  });

  it('refuses a wrong key, the wrong kind of archive, a non-empty dir and PostgreSQL, writing nothing', async () => {
    const wrongKey = at('wrong.key');
    writeFileSync(wrongKey, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    const target = at('never-written');
    // Independent refusals, run side by side to save process start-up time.
    await Promise.all([
      refused(
        ['store', 'backup', 'restore', '--in', storeArchive, '--key-file', wrongKey, '--data-dir', target],
        /the store half does not open with this backup key/,
      ),
      refused(
        ['fragment', 'backup', 'restore', '--in', gatewayArchive, '--key-file', wrongKey, '--config-dir', target],
        /the gateway half does not open with this backup key/,
      ),
      refused(
        ['fragment', 'backup', 'restore', '--in', storeArchive, '--key-file', keyFile, '--config-dir', target],
        /is a store backup \(custos-store-backup\/v1\), not a gateway backup; restore it with `custos store backup/,
      ),
      refused(
        ['store', 'backup', 'restore', '--in', gatewayArchive, '--key-file', keyFile, '--data-dir', target],
        /is a gateway backup .* `custos fragment backup restore`/,
      ),
      refused(
        ['backup', 'restore', '--in', storeArchive, '--key-file', keyFile, '--data-dir', target],
        /is a store backup .* not a custos dev backup/,
      ),
      refused(
        ['store', 'backup', 'restore', '--in', storeArchive, '--key-file', keyFile, '--data-dir', storeDir],
        /is not empty; .*pass --force/,
      ),
      refused(
        ['fragment', 'backup', 'restore', '--in', gatewayArchive, '--key-file', keyFile, '--config-dir', configDir],
        /is not empty; .*pass --force/,
      ),
      refused(
        [
          ...['store', 'backup', 'create', '--data-dir', storeDir, '--postgres', 'postgres://u:p@db/custos'],
          ...['--out', at('pg.backup'), '--key-file', keyFile],
        ],
        /pg_dump.*pg_restore.*root key separately/,
      ),
    ]);
    assert.equal(existsSync(target), false, 'a refused restore writes nothing');
    assert.equal(existsSync(at('pg.backup')), false);
  });

  it('restores both halves into empty dirs that serve the same values after unsealing', async () => {
    const restoredStore = at('restored-store');
    const restoredConfig = at('restored-gateway');
    const store = await ok([
      ...['store', 'backup', 'restore', '--in', storeArchive, '--key-file', keyFile, '--data-dir', restoredStore],
    ]);
    assert.match(store.stdout, /restored .* in \d+ ms; start it with `custos store serve --data-dir/);
    const gateway = await ok([
      ...['fragment', 'backup', 'restore', '--in', gatewayArchive, '--key-file', keyFile],
      ...['--config-dir', restoredConfig],
    ]);
    assert.match(gateway.stderr, /unseal the restored gateway with an unseal key file/);
    assert.equal(existsSync(join(restoredConfig, 'unseal.key')), false, 'no unseal key was in the archive');
    for (const name of ['root.key']) {
      assert.deepEqual(readFileSync(join(restoredStore, name)), readFileSync(join(storeDir, name)));
    }
    for (const name of ['fragments.json', 'tls/ca.crt', 'tls/gateway.crt', 'tls/gateway.key']) {
      assert.deepEqual(readFileSync(join(restoredConfig, name)), readFileSync(join(configDir, name)), name);
    }
    assert.equal(statSync(join(restoredStore, 'root.key')).mode & 0o777, 0o600);

    await running!.gateway.close();
    await running!.store.close();
    running = await startPair(restoredStore, restoredConfig);
    const api = storeClient(running.gateway.url);
    const token = await api.login(admin.accessId, admin.accessKey);
    for (const [path, value] of values) {
      const got = await api.call('GET', `/v1/secrets?path=${path}`, { token });
      assert.equal(got.status, 200, got.text);
      assert.equal(got.body.value, value);
    }
  });

  it('leaves the root key out when it comes from CUSTOS_STORE_ROOT_KEY, and says so', async () => {
    const rootKey = readFileSync(join(storeDir, 'root.key'), 'utf8').trim();
    const created = await ok(
      ['store', 'backup', 'create', '--data-dir', storeDir, '--out', at('env.backup'), '--key-file', keyFile],
      { CUSTOS_STORE_ROOT_KEY: rootKey },
    );
    assert.match(created.stderr, /root key is NOT in the archive \(it comes from CUSTOS_STORE_ROOT_KEY\)/);
    const target = at('env-restored');
    const restored = restoreStoreBackup({ input: at('env.backup'), keyFile, dataDir: target, force: false });
    assert.equal(restored.rootKeyIncluded, false);
    assert.equal(existsSync(join(target, 'store.db')), true);
    assert.equal(existsSync(join(target, 'root.key')), false);
    const result = await createStoreBackup({
      dataDir: storeDir,
      out: at('file.backup'),
      keyFile,
      env: {},
    });
    assert.equal(result.rootKeyIncluded, true);
  });

  it('includes an explicitly named unseal key and restores it only where asked; --force overwrites', async () => {
    const withKey = at('gateway-with-key.backup');
    const created = await ok([
      ...['fragment', 'backup', 'create', '--config-dir', configDir, '--out', withKey, '--key-file', keyFile],
      ...['--unseal-key-file', at('unseal.key')],
    ]);
    assert.match(created.stderr, /the unseal key IS in the archive/);
    assert.equal(readFileSync(withKey).includes(readFileSync(at('unseal.key'), 'utf8').trim()), false);
    await refused(
      [
        ...['fragment', 'backup', 'create', '--config-dir', configDir, '--out', at('bad.backup')],
        ...['--key-file', keyFile, '--unseal-key-file', at('wrong.key')],
      ],
      /does not unseal .*fragments\.json/,
    );
    const restoredConfig = at('restored-gateway');
    const restored = await ok([
      ...['fragment', 'backup', 'restore', '--in', withKey, '--key-file', keyFile, '--config-dir', restoredConfig],
      ...['--force', '--unseal-key-file', at('restored-unseal.key')],
    ]);
    assert.match(restored.stderr, /unseal key restored to .*restored-unseal\.key/);
    assert.equal(readFileSync(at('restored-unseal.key'), 'utf8'), readFileSync(at('unseal.key'), 'utf8'));
    assert.equal(statSync(at('restored-unseal.key')).mode & 0o777, 0o600);
    assert.equal(existsSync(join(restoredConfig, '@unseal.key')), false);
  });
});
