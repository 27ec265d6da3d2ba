// `--log-level` of `custos gateway serve` (and the store's logger): at the default level a request writes no log
// line, at trace level each request writes one short line, and no value, token or key ever reaches the log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { type GatewayCliIo, registerGatewayCommands } from '../../../src/cli/gateway.js';
import { parseLogLevel, serveLogger } from '../../../src/cli/log-level.js';
import { initFragments } from '../../../src/gateway/crypto/admin.js';
import { type BootstrapResult, bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';

const root = mkdtempSync(join(tmpdir(), 'custos-gw-logging-'));
const configDir = join(root, 'gateway');
const keyFile = join(root, 'unseal.key');
const storeLog: string[] = [];
// The store's logger as `custos store serve` builds it at its default level; the trace test raises it.
const storeLogger = serveLogger('custos-store', 'info', (line) => storeLog.push(line));
let store: StoreServer;
let creds: BootstrapResult;

before(async () => {
  store = await createStoreServer({ location: { dataDir: join(root, 'store'), env: {} }, logger: storeLogger });
  creds = await bootstrap(store.context.storage, store.context.auth);
  await initFragments(configDir, { type: 'key-file', keyFile });
});

after(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

function setStoreLevel(level: 'info' | 'trace') {
  storeLogger.level = level;
}

/** Runs `custos gateway serve ...args` in process; stderr is captured, stop() ends it. */
async function serve(args: string[]): Promise<{ url: string; err: () => string; stop(): Promise<void> }> {
  let out = '';
  let err = '';
  let stopServe: () => void = () => {};
  const io: GatewayCliIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    stdin: () => Readable.from([]),
    stopSignal: () =>
      new Promise<void>((resolve) => {
        stopServe = resolve;
      }),
    setExitCode: () => {},
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: (t) => io.stderr(t) });
  registerGatewayCommands(program, io);
  const done = program.parseAsync(
    [
      'gateway',
      'serve',
      '--store',
      store.url,
      '--config-dir',
      configDir,
      '--insecure-http',
      '--port',
      '0',
      '--unseal-key-file',
      keyFile,
      ...args,
    ],
    { from: 'user' },
  );
  for (let i = 0; i < 400 && !out.includes('\n'); i++) {
    await Promise.race([done, new Promise((r) => setTimeout(r, 25))]);
  }
  const url = out.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `gateway serve did not start: ${err}`);
  return {
    url,
    err: () => err,
    stop: async () => {
      stopServe();
      await done;
    },
  };
}

/** Logs in through the gateway, writes a value and reads it back; returns the token it used. */
async function useGateway(url: string, path: string, value: string): Promise<string> {
  const post = (p: string, body: unknown, token?: string) =>
    fetch(`${url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const login = await post('/v1/auth/login', { type: 'api_key', ...creds.admin });
  assert.equal(login.status, 200);
  const { token } = (await login.json()) as { token: string };
  assert.equal((await post('/v1/secrets', { path, value, mode: 'create' }, token)).status, 201);
  const read = await fetch(`${url}/v1/secrets?path=${encodeURIComponent(path)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(read.status, 200);
  assert.equal(((await read.json()) as { value: string }).value, value);
  // A failing request too: errors on the client's side are not the operator's business at info.
  assert.equal(
    (await fetch(`${url}/v1/secrets?path=/nowhere/x`, { headers: { authorization: 'Bearer t-bad' } })).ok,
    false,
  );
  return token;
}

describe('gateway serve --log-level', () => {
  it('logs no line per request at the default level (info), in the gateway and in the store', async () => {
    setStoreLevel('info');
    const gateway = await serve([]);
    try {
      const start = { gateway: gateway.err(), store: storeLog.length };
      await useGateway(gateway.url, '/logging/info/db', 'value-at-info-level');
      assert.equal(gateway.err(), start.gateway, 'the gateway logged a request at info');
      assert.equal(storeLog.length, start.store, 'the store logged a request at info');
    } finally {
      await gateway.stop();
    }
    assert.match(gateway.err(), /gateway stopping/);
  });

  it('logs one short line per request at trace, never a value, token or key', async () => {
    setStoreLevel('trace');
    const gateway = await serve(['--log-level', 'trace']);
    const value = 'never-in-a-log-7f3a9c';
    let token = '';
    try {
      token = await useGateway(gateway.url, '/logging/trace/db', value);
    } finally {
      await gateway.stop();
      setStoreLevel('info');
    }
    const gatewayLines = gateway.err().split('\n').filter(Boolean);
    const requestLines = gatewayLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    assert.ok(requestLines.length >= 4, `expected a line per request:\n${gateway.err()}`);
    for (const line of requestLines) {
      assert.equal(line.level, 20, 'request lines are debug level');
      assert.deepEqual(Object.keys(line).sort(), [
        'hostname',
        'level',
        'method',
        'ms',
        'msg',
        'name',
        'pid',
        'reqId',
        'route',
        'status',
        'time',
      ]);
    }
    assert.ok(
      storeLog.some((l) => JSON.parse(l).msg === 'request'),
      'the store logged no request line at trace',
    );
    const everything = [gateway.err(), ...storeLog].join('\n');
    for (const secret of [value, token, creds.admin.accessKey, '/logging/trace/db']) {
      assert.ok(!everything.includes(secret), `"${secret}" reached a log`);
    }
  });

  it('refuses an unknown level, naming the accepted ones', () => {
    assert.throws(() => parseLogLevel('verbose'), /fatal, error, warn, info, debug, trace, silent/);
    assert.equal(parseLogLevel('silent'), 'silent');
  });
});
