// `custos status` formatting: rows from ExternalSecrets, the table and not-ready details, ages, option errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import {
  formatAge,
  formatStatusTable,
  registerStatusCommand,
  type StatusIo,
  type StatusRow,
  toStatusRow,
} from '../../../src/cli/status.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

function es(name: string, spec: Record<string, unknown>, status?: Record<string, unknown>) {
  return { metadata: { name, namespace: 'team-a' }, spec, status };
}

describe('status rows', () => {
  it('summarises a synced ExternalSecret', () => {
    const row = toStatusRow(
      es(
        'db',
        { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, refreshInterval: '15m' },
        {
          refreshTime: ago(30),
          conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced' }],
        },
      ),
    );
    assert.deepEqual(row, {
      namespace: 'team-a',
      name: 'db',
      store: 'ClusterSecretStore/vault',
      refresh: '15m',
      ready: true,
      status: 'Ready',
      reason: 'SecretSynced',
      message: 'secret synced',
      lastSync: ago(30),
      target: 'db',
    });
  });

  it('defaults the store kind to SecretStore, names generators, shows non-periodic policies', () => {
    assert.equal(toStatusRow(es('a', { secretStoreRef: { name: 's' } })).store, 'SecretStore/s');
    assert.equal(
      toStatusRow(es('b', { dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'p' } } }] })).store,
      'generator',
    );
    assert.equal(toStatusRow(es('c', {})).store, '-');
    assert.equal(toStatusRow(es('d', { refreshPolicy: 'CreatedOnce', refreshInterval: '1h' })).refresh, 'CreatedOnce');
    assert.equal(toStatusRow(es('e', {})).refresh, '1h0m0s');
  });

  it('is Pending without a Ready condition, NotReady on False, Unknown otherwise', () => {
    const pending = toStatusRow(es('p', {}));
    assert.deepEqual([pending.status, pending.ready, pending.lastSync], ['Pending', false, null]);
    assert.match(pending.message, /operator has not processed/);
    const failed = toStatusRow(
      es(
        'f',
        {},
        { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'key\n"x" missing' }] },
      ),
    );
    assert.deepEqual([failed.status, failed.ready, failed.message], ['NotReady', false, 'key "x" missing']);
    assert.equal(toStatusRow(es('u', {}, { conditions: [{ type: 'Ready', status: 'Unknown' }] })).status, 'Unknown');
  });
});

describe('status table', () => {
  const rows: StatusRow[] = [
    toStatusRow(
      es(
        'db',
        { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, refreshInterval: '1h' },
        { refreshTime: ago(200), conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }] },
      ),
    ),
    toStatusRow(
      es(
        'api-key',
        { secretStoreRef: { name: 'custos' } },
        {
          refreshTime: ago(5),
          conditions: [
            { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'remote key "api/key" not found' },
          ],
        },
      ),
    ),
    toStatusRow(es('new', { secretStoreRef: { name: 'custos' } })),
  ];
  // KEYS: the target Secret's key count, "-" when it has none yet, "?" when Secrets could not be listed.
  if (rows[0]) rows[0].keys = ['password', 'username'];
  if (rows[1]) rows[1].keys = null;

  it('aligns columns and lists every not-ready ExternalSecret with its message', () => {
    assert.equal(
      formatStatusTable(rows, NOW),
      [
        'NAMESPACE   NAME      STORE                      REFRESH   STATUS     REASON              LAST SYNC   KEYS',
        'team-a      db        ClusterSecretStore/vault   1h        Ready      SecretSynced        3m20s       2',
        'team-a      api-key   SecretStore/custos         1h0m0s    NotReady   SecretSyncedError   5s          -',
        'team-a      new       SecretStore/custos         1h0m0s    Pending    -                   never       ?',
        '',
        '2 of 3 not ready:',
        '  team-a/api-key: remote key "api/key" not found',
        `  team-a/new: ${rows[2]?.message}`,
        '',
      ].join('\n'),
    );
  });

  it('has no details section when everything is ready', () => {
    const out = formatStatusTable([rows[0] as StatusRow], NOW);
    assert.equal(out.split('\n').length, 3);
    assert.doesNotMatch(out, /not ready/);
  });
});

describe('ages', () => {
  const cases: [number, string][] = [
    [-5, '0s'],
    [0, '0s'],
    [119, '119s'],
    [120, '2m'],
    [200, '3m20s'],
    [600, '10m'],
    [3 * 3600 - 1, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 7 * 60, '5h7m'],
    [30 * 3600, '30h'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [40 * 86400, '40d'],
    [3 * 365 * 86400 + 10 * 86400, '3y10d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [seconds, expected] of cases) {
    it(`${seconds}s is ${expected}`, () => assert.equal(formatAge(seconds * 1000), expected));
  }
});

describe('status options', () => {
  function capture(): StatusIo & { out: string; err: string; code: number | undefined } {
    const io = {
      out: '',
      err: '',
      code: undefined as number | undefined,
      stdout: (t: string) => {
        io.out += t;
      },
      stderr: (t: string) => {
        io.err += t;
      },
      setExitCode: (c: number) => {
        io.code = c;
      },
      now: () => NOW,
    };
    return io;
  }

  it('rejects --namespace together with --all-namespaces (exit 2)', async () => {
    const io = capture();
    const program = new Command().exitOverride();
    registerStatusCommand(program, io);
    await program.parseAsync(['status', '-n', 'x', '-A'], { from: 'user' });
    assert.equal(io.code, 2);
    assert.match(io.err, /either --namespace or --all-namespaces/);
  });

  it('exits 2 with the reason when the kubeconfig cannot be read', async () => {
    const io = capture();
    const program = new Command().exitOverride();
    registerStatusCommand(program, io);
    await program.parseAsync(['status', '--kubeconfig', '/nonexistent/kubeconfig'], { from: 'user' });
    assert.equal(io.code, 2);
    assert.match(io.err, /^custos status: .*\/nonexistent\/kubeconfig/);
  });

  it('accepts only table or json output', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerStatusCommand(program, capture());
    await assert.rejects(
      program.parseAsync(['status', '-o', 'yaml'], { from: 'user' }),
      /Allowed choices are table, json/,
    );
  });
});
