// `custos dev` + `custos login` + `custos secret ...` as a user runs them: the real binary, a temp HOME, the
// embedded store + gateway on a free port; restart keeps the data; values never reach list/describe or the logs.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSandbox, type DevProcess } from './dev-harness.js';

const { home, dataDir, custos, ok, startDev } = cliSandbox('custos-dev-cli-');

const values = {
  first: 'first-VALUE-f1a9c2e7',
  second: 'second-VALUE-7d3b0a55',
  fromFile: 'file-VALUE-0c4e91d2\nwith two lines\n',
  stdin: 'stdin-VALUE-e5a1f3b8',
};

describe('custos dev, login and secret', () => {
  let dev: DevProcess;
  const logs: string[] = [];

  before(async () => {
    dev = await startDev();
  });

  after(async () => {
    if (dev && dev.child.exitCode === null) await dev.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('starts with TLS, prints the address, the CA path and a first admin credential saved 0600', () => {
    assert.match(dev.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const stderr = dev.stderr();
    const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
    assert.equal(statSync(join(dataDir, 'credentials.json')).mode & 0o777, 0o600);
    assert.ok(stderr.includes(credentials.admin.accessKey), 'the first start prints the admin key once');
    assert.ok(stderr.includes(join(dataDir, 'gateway', 'tls', 'ca.crt')));
    assert.match(stderr, /custos login --dev/);
    process.stderr.write(`custos dev first start: ready after ${dev.readyMs} ms (spawn to printed address)\n`);
  });

  it('refuses commands before login with a message saying how to log in', async () => {
    const result = await custos(['secret', 'list']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /not logged in: run `custos login --dev`/);
  });

  it('refuses a wrong access key', async () => {
    const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
    const result = await custos([
      'login',
      '--gateway',
      dev.url,
      '--ca',
      join(dataDir, 'gateway', 'tls', 'ca.crt'),
      '--access-id',
      credentials.admin.accessId,
      '--access-key',
      'not-the-key',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /login refused/);
  });

  it('explains an untrusted certificate', async () => {
    const result = await custos(['login', '--gateway', dev.url, '--access-id', 'p-x', '--access-key', 'k']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /does not trust.*--ca/);
  });

  it('logs in with --dev and keeps only a token, 0600, under XDG_CONFIG_HOME', async () => {
    await ok(['login', '--dev', '--data-dir', dataDir]);
    const path = join(home, 'config', 'custos', 'profiles.json');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
    const saved = readFileSync(path, 'utf8');
    assert.ok(!saved.includes(credentials.admin.accessKey), 'the access key is not saved');
    assert.match(saved, /"token": "t-/);
  });

  it('puts from --value, --from-file and stdin, and gets each back byte for byte', async () => {
    assert.match(
      await ok(['secret', 'put', '/app/db/password', '--value', values.first]),
      /created \/app\/db\/password \(version 1\)/,
    );
    const file = join(home, 'value.txt');
    writeFileSync(file, values.fromFile);
    await ok(['secret', 'put', '/app/file', '--from-file', file, '--description', 'from a file', '--tag', 'team=x']);
    await ok(['secret', 'put', '/app/stdin'], values.stdin);
    assert.equal(await ok(['secret', 'get', '/app/db/password']), values.first);
    assert.equal(await ok(['secret', 'get', '/app/file']), values.fromFile);
    assert.equal(await ok(['secret', 'get', '/app/stdin']), values.stdin);
  });

  it('keeps versions, gets an old one, rolls back', async () => {
    assert.match(await ok(['secret', 'put', '/app/db/password', '--value', values.second]), /updated .*version 2/);
    assert.equal(await ok(['secret', 'get', '/app/db/password', '--version', '1']), values.first);
    const versions = await ok(['secret', 'versions', '/app/db/password']);
    assert.match(versions, /^VERSION\s+CREATED\s+LATEST\n1\s+\S+\s*\n2\s+\S+\s+\*\n$/);
    assert.match(
      await ok(['secret', 'rollback', '/app/db/password', '--version', '1']),
      /version 3 now holds the value of version 1/,
    );
    assert.equal(await ok(['secret', 'get', '/app/db/password']), values.first);
    const json = JSON.parse(await ok(['secret', 'versions', '/app/db/password', '-o', 'json']));
    assert.deepEqual(
      json.versions.map((v: { version: number }) => v.version),
      [1, 2, 3],
    );
  });

  it('lists and describes without values, as a table and as json', async () => {
    const table = await ok(['secret', 'list', '/app']);
    assert.match(table, /^PATH\s+VERSION\s+UPDATED\s+TAGS\s+DESCRIPTION\n/);
    assert.match(table, /\/app\/file\s+1\s+\S+\s+team=x\s+from a file/);
    const json = JSON.parse(await ok(['secret', 'list', '-o', 'json']));
    assert.deepEqual(
      json.items.map((i: { path: string }) => i.path),
      ['/app/db/password', '/app/file', '/app/stdin'],
    );
    const described = await ok(['secret', 'describe', '/app/db/password']);
    assert.match(described, /version:\s+3/);
    const describedJson = JSON.parse(await ok(['secret', 'describe', '/app/file', '-o', 'json']));
    assert.equal(describedJson.description, 'from a file');
    logs.push(table, JSON.stringify(json), described, JSON.stringify(describedJson));
    for (const text of logs) for (const value of Object.values(values)) assert.ok(!text.includes(value));
  });

  it('says what is wrong for bad input and missing items, without echoing values', async () => {
    const missing = await custos(['secret', 'get', '/app/none']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /does not exist/);
    const relative = await custos(['secret', 'put', 'app/x', '--value', values.second]);
    assert.notEqual(relative.code, 0);
    assert.match(relative.stderr, /must start with "\/"/);
    assert.ok(!relative.stderr.includes(values.second));
    const noValue = await custos(['secret', 'put', '/app/x', '--value', 'a', '--from-file', 'b']);
    assert.match(noValue.stderr, /not both/);
  });

  it('deletes', async () => {
    assert.match(await ok(['secret', 'delete', '/app/stdin']), /deleted \/app\/stdin/);
    const gone = await custos(['secret', 'get', '/app/stdin']);
    assert.match(gone.stderr, /does not exist/);
  });

  it('stops cleanly on Ctrl-C; then the CLI says the gateway is unreachable', async () => {
    assert.equal(await dev.stop(), 0);
    assert.match(dev.stderr(), /custos dev stopped/);
    const result = await custos(['secret', 'get', '/app/file']);
    assert.match(result.stderr, /cannot reach the gateway at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('never wrote a secret value to its logs', () => {
    const stderr = dev.stderr();
    assert.match(stderr, /"level":30/, 'info logging was on');
    for (const value of Object.values(values)) assert.ok(!stderr.includes(value.split('\n')[0]!), value);
  });

  it('restarts on the same data: no new credential, the values are still there', async () => {
    dev = await startDev();
    const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
    assert.ok(!dev.stderr().includes(credentials.admin.accessKey), 'the key is printed only on the first start');
    assert.ok(dev.stderr().includes(join(dataDir, 'credentials.json')), 'a restart says where the credential is');
    process.stderr.write(`custos dev restart: ready after ${dev.readyMs} ms (spawn to printed address)\n`);
    await ok(['login', '--dev', '--data-dir', dataDir]);
    assert.equal(await ok(['secret', 'get', '/app/db/password']), values.first);
    assert.equal(await ok(['secret', 'get', '/app/file']), values.fromFile);
    assert.equal(await dev.stop(), 0);
    for (const value of Object.values(values)) assert.ok(!dev.stderr().includes(value.split('\n')[0]!));
  });
});
