// `custos validate` as a pipeline runs it: the real binary over files, directories and stdin; ESO's webhook
// messages and the schema's, warnings that do not fail, other API groups skipped, exit codes 0 / 1 / 2, and no
// secret value in what it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { integration } from '../../helpers/cluster.js';

const root = join(import.meta.dirname, '..', '..', '..');
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const custos = (args: string[], stdin?: string) =>
  new Promise<Run>((resolve) => {
    const child = execFile(
      process.execPath,
      [join(root, 'bin/custos.js'), ...args],
      { cwd: root },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });

const GOOD = `apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db}
spec:
  secretStoreRef: {name: store}
  refreshInterval: 1h
  data: [{secretKey: password, remoteRef: {key: db}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {}
`;
const BAD = `apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: broken}
spec:
  secretStoreRef: {name: store}
  target: {creationPolicy: None, deletionPolicy: Merge}
  data:
    - {secretKey: a, remoteRef: {key: k}, extra: 1}
---
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: fake}
spec:
  provider:
    fake:
      data: [{key: "", value: "hunter2-do-not-print"}]
`;

describe('custos validate', { skip: integration.skipReason }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-validate-'));
    mkdirSync(join(dir, 'apps', 'payments'), { recursive: true });
    writeFileSync(join(dir, 'apps', 'good.yaml'), GOOD);
    writeFileSync(join(dir, 'apps', 'payments', 'bad.yml'), BAD);
    writeFileSync(join(dir, 'apps', 'README.md'), '# not a manifest: ignored');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes good manifests and skips other API groups (exit 0)', async () => {
    const run = await custos(['validate', join(dir, 'apps', 'good.yaml')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.stdout, '1 manifest(s) checked, 0 error(s), 0 warning(s); 1 of other API groups skipped\n');
  });

  it('walks a directory and reports every problem with file, document, object and path (exit 1)', async () => {
    const run = await custos(['validate', dir]);
    assert.equal(run.code, 1);
    const bad = join(dir, 'apps', 'payments', 'bad.yml');
    assert.deepEqual(run.stdout.trim().split('\n'), [
      `${bad} (document 1) ExternalSecret/broken: error: spec: Invalid value: deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with`,
      `${bad} (document 1) ExternalSecret/broken: warning: spec.data[0].extra: unknown field "spec.data[0].extra" (the API server drops it)`,
      `${bad} (document 2) SecretStore/fake: error: spec.provider: key must be set in data 0`,
      `${bad} (document 2) SecretStore/fake: warning: spec.provider: store fake isn't currently maintained. Please plan and prepare accordingly.`,
      '3 manifest(s) checked, 2 error(s), 2 warning(s); 1 of other API groups skipped',
    ]);
    assert.doesNotMatch(run.stdout + run.stderr, /hunter2/, 'no secret value printed');
  });

  it('reads stdin, makes unknown fields errors under --strict, and answers JSON', async () => {
    const strict = await custos(
      ['validate', '--strict', '-'],
      GOOD.replace('refreshInterval: 1h', 'refreshInterval: 1h\n  surprise: true'),
    );
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /<stdin> \(document 1\) ExternalSecret\/db: error: spec.surprise: unknown field/);
    const json = await custos(['validate', '-o', 'json', join(dir, 'apps', 'good.yaml')]);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), [
      {
        file: join(dir, 'apps', 'good.yaml'),
        documents: [{ index: 0, apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'db', issues: [] }],
        skipped: 1,
      },
    ]);
  });

  it('says which path it cannot read (exit 2)', async () => {
    const run = await custos(['validate', join(dir, 'nope.yaml')]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `custos validate: cannot read ${join(dir, 'nope.yaml')} (ENOENT)\n`);
  });
});
