// `custos gateway serve` and `custos fragment init|unseal|status|rotate|rewrap` end to end, in process, against
// the real store: shares printed once, unseal from piped shares, rotation in step with the store, re-wrap.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { type GatewayCliIo, registerGatewayCommands } from '../../../src/cli/gateway.js';
import { GatewayClient } from '../../../src/gateway/gateway-client.js';
import { type BootstrapResult, bootstrap } from '../../../src/store/admin.js';
import { createStoreServer, type StoreServer } from '../../../src/store/api/server.js';

const root = mkdtempSync(join(tmpdir(), 'custos-gw-cli-'));
const configDir = join(root, 'gateway');
let store: StoreServer;
let creds: BootstrapResult;
let shares: string[] = [];
let stopServe: () => void = () => {};
let serving: Promise<unknown> | undefined;
let gatewayUrl = '';

interface Run {
  out: string;
  err: string;
  code: number;
}

function cli(args: string[], stdinLines: string[] = []): { run: Run; done: Promise<Run> } {
  const run: Run = { out: '', err: '', code: 0 };
  const io: GatewayCliIo = {
    stdout: (t) => {
      run.out += t;
    },
    stderr: (t) => {
      run.err += t;
    },
    stdin: () => Readable.from(stdinLines.map((l) => `${l}\n`)),
    stopSignal: () =>
      new Promise<void>((resolve) => {
        stopServe = resolve;
      }),
    setExitCode: (c) => {
      run.code = c;
    },
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: (t) => io.stderr(t) });
  registerGatewayCommands(program, io);
  return { run, done: program.parseAsync(args, { from: 'user' }).then(() => run) };
}

function postSecret(caPath: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/v1/secrets', gatewayUrl),
      {
        method: 'POST',
        ca: readFileSync(caPath),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

before(async () => {
  store = await createStoreServer({ location: { dataDir: join(root, 'store'), env: {} }, logger: false });
  creds = await bootstrap(store.context.storage, store.context.auth);
  writeFileSync(join(root, 'gateway.key'), creds.gateway.accessKey);
  writeFileSync(join(root, 'admin.key'), creds.admin.accessKey);
});

after(async () => {
  stopServe();
  await serving;
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('custos gateway and fragment commands', () => {
  it('fragment init prints the shares once and refuses a second init', async () => {
    const { out, err } = await cli(['fragment', 'init', '--config-dir', configDir, '--shares', '3', '--threshold', '2'])
      .done;
    shares = [...out.matchAll(/^share \d+: (\S+)$/gm)].map((m) => m[1]!);
    assert.equal(shares.length, 3);
    assert.match(err, /shown ONCE/);
    await assert.rejects(
      cli(['fragment', 'init', '--config-dir', configDir, '--shares', '3', '--threshold', '2']).done,
      /already exists/,
    );
    await assert.rejects(cli(['fragment', 'init', '--config-dir', join(root, 'x')]).done, /choose a seal/);
  });

  it('gateway serve starts sealed; fragment unseal takes piped shares', async () => {
    const serve = cli(['gateway', 'serve', '--store', store.url, '--config-dir', configDir, '--port', '0']);
    serving = serve.done;
    for (let i = 0; i < 200 && !serve.run.out; i++) await new Promise((r) => setTimeout(r, 25));
    gatewayUrl = serve.run.out.trim();
    assert.match(gatewayUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(serve.run.err, /ca\.crt/);
    assert.match(serve.run.err, /sealed/);
    const ca = join(configDir, 'tls', 'ca.crt');
    const status = await cli(['fragment', 'status', '--gateway', gatewayUrl, '--ca', ca]).done;
    assert.equal(JSON.parse(status.out).sealed, true);
    const unseal = await cli(
      ['fragment', 'unseal', '--gateway', gatewayUrl, '--ca', ca],
      [`share 1: ${shares[0]}`, `share 3: ${shares[2]}`],
    ).done;
    assert.match(unseal.err, /progress 1\/2\nunsealed/);
    assert.equal(
      JSON.parse((await cli(['fragment', 'status', '--gateway', gatewayUrl, '--ca', ca]).done).out).sealed,
      false,
    );
  });

  it('fragment rotate and rewrap move every version to the new generation', async () => {
    const ca = join(configDir, 'tls', 'ca.crt');
    // One item written before the rotation, through the gateway, so there is something to re-wrap.
    const { token } = await new GatewayClient({ url: gatewayUrl, ca: readFileSync(ca, 'utf8') }).login(
      creds.admin.accessId,
      creds.admin.accessKey,
    );
    assert.equal(await postSecret(ca, token, { path: '/apps/cli/one', value: 'cli-value-1234' }), 201);
    const rotate = await cli(
      [
        'fragment',
        'rotate',
        '--config-dir',
        configDir,
        '--store',
        store.url,
        '--access-id',
        creds.gateway.accessId,
        '--access-key-file',
        join(root, 'gateway.key'),
      ],
      [shares[1]!, shares[2]!],
    ).done;
    assert.match(rotate.err, /generation 2 is now used/);
    const rewrap = await cli([
      'fragment',
      'rewrap',
      '--gateway',
      gatewayUrl,
      '--ca',
      ca,
      '--access-id',
      creds.gateway.accessId,
      '--access-key-file',
      join(root, 'gateway.key'),
    ]).done;
    const report = JSON.parse(rewrap.out);
    assert.deepEqual([report.generation, report.rewrapped, report.failures], [2, 1, []]);
    assert.equal(rewrap.code, 0);
  });
});
