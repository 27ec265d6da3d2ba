// `custos template render` and `custos template eval` through a commander program with captured output.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { parse } from 'yaml';
import { registerTemplateCommands, type TemplateCliIo } from '../../../src/cli/template.js';

const dir = mkdtempSync(join(tmpdir(), 'custos-template-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[], stdin = ''): Promise<{ out: string; err: string; code: number }> {
  const captured = { out: '', err: '', code: 0 };
  const io: TemplateCliIo = {
    stdin: Readable.from([stdin]),
    stdout: (t) => {
      captured.out += t;
    },
    stderr: (t) => {
      captured.err += t;
    },
    setExitCode: (c) => {
      captured.code = c;
    },
  };
  const program = new Command().name('custos').exitOverride();
  registerTemplateCommands(program, io);
  await program.parseAsync(['node', 'custos', 'template', ...args]);
  return captured;
}

const es = file(
  'es.yaml',
  `apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
  namespace: team-a
  labels: { from-es: "yes" }
spec:
  secretStoreRef: { name: vault, kind: ClusterSecretStore }
  target:
    name: db-credentials
    template:
      type: kubernetes.io/basic-auth
      metadata:
        labels: { app: "{{ .user }}" }
      data:
        username: "{{ .user }}"
        password: "{{ .pass }}"
      templateFrom:
        - configMap: { name: tpl, items: [{ key: dsn }] }
        - secret: { name: extra, items: [{ key: kv, templateAs: KeysAndValues }] }
`,
);
const data = file('data.json', JSON.stringify({ user: 'admin', pass: 's3cr3t' }));
const cm = file(
  'cm.yaml',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: tpl }\ndata:\n  dsn: "pg://{{ .user }}@db"\n',
);
const secret = file(
  'secret.yaml',
  `apiVersion: v1\nkind: Secret\nmetadata: { name: extra }\ndata:\n  kv: ${Buffer.from('port: "5432"').toString('base64')}\n`,
);

describe('custos template render', () => {
  it('prints the Secret with base64 data, template labels and type', async () => {
    const r = await run([
      'render',
      '--externalsecret',
      es,
      '--data',
      data,
      '--template-from-configmap',
      cm,
      '--template-from-secret',
      secret,
    ]);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    const manifest = parse(r.out);
    assert.deepEqual(manifest, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-credentials', namespace: 'team-a', labels: { app: 'admin' } },
      type: 'kubernetes.io/basic-auth',
      data: {
        dsn: Buffer.from('pg://admin@db').toString('base64'),
        password: Buffer.from('s3cr3t').toString('base64'),
        port: Buffer.from('5432').toString('base64'),
        username: Buffer.from('admin').toString('base64'),
      },
    });
  });

  it('copies provider data and the ExternalSecret labels when there is no template', async () => {
    const plain = file('plain.yaml', 'kind: ExternalSecret\nmetadata: { name: p, labels: { a: b } }\nspec: {}\n');
    const yamlData = file('data.yaml', 'token: abc\n');
    const r = await run(['render', '--externalsecret', plain, '--data', yamlData]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(parse(r.out), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'p', labels: { a: 'b' } },
      type: 'Opaque',
      data: { token: Buffer.from('abc').toString('base64') },
    });
  });

  it('reports template errors and bad input on stderr with exit code 1, without secret values', async () => {
    const missing = await run(['render', '--externalsecret', es, '--data', data]);
    assert.equal(missing.code, 1);
    assert.equal(missing.out, '');
    assert.match(missing.err, /^custos template render: templateFrom\[0\]: configMap "tpl" was not provided/);

    const bad = file(
      'bad.yaml',
      'kind: ExternalSecret\nspec:\n  target:\n    template:\n      data: { x: "{{ fail .pass }}" }\n',
    );
    const failing = await run(['render', '--externalsecret', bad, '--data', data]);
    assert.equal(failing.code, 1);
    assert.match(failing.err, /template\.data key "x"/);
    assert.ok(!failing.err.includes('s3cr3t'), failing.err);

    const notMap = file('list.json', '[1, 2]');
    const r = await run(['render', '--externalsecret', es, '--data', notMap]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--data file .* must be a map of strings/);

    const absent = await run(['render', '--externalsecret', join(dir, 'nope.yaml'), '--data', data]);
    assert.match(absent.err, /cannot read ExternalSecret .*nope\.yaml: ENOENT/);
  });
});

describe('custos template eval', () => {
  it('answers each JSONL request in order with plain Go semantics', async () => {
    const input = [
      '{"template":"{{ .a | upper }}","data":{"a":"x"}}',
      '',
      '{"template":"{{ .missing }}","data":{}}',
      '{"template":"{{ .missing }}","data":{},"missingkey":"error"}',
      '{"template":"<<.a>>","data":{"a":1},"leftDelim":"<<","rightDelim":">>"}',
      'not json',
    ].join('\n');
    const r = await run(['eval'], input);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(0, 2), [{ output: 'X' }, { output: '<no value>' }]);
    assert.match(lines[2].error, /map has no entry for key "missing"/);
    assert.deepEqual(lines[3], { output: '1' });
    assert.match(lines[4].error, /^bad request: /);
    assert.equal(lines.length, 5);
  });
});
