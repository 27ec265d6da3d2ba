// `custos crds print|install` as a user runs them: the real binary, against the real control plane.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { integration } from '../../helpers/cluster.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const custos = (...args: string[]) => run(process.execPath, [join(root, 'bin/custos.js'), ...args], { cwd: root });

describe('custos crds', { skip: integration.skipReason }, () => {
  it('print emits the same CRDs as deploy/crds/bundle.yaml', async () => {
    const { stdout } = await custos('crds', 'print');
    const printed = parseAllDocuments(stdout).map((d) => d.toJSON());
    const committed = parseAllDocuments(readFileSync(join(root, 'deploy/crds/bundle.yaml'), 'utf8'))
      .map((d) => d.toJSON())
      .filter(Boolean);
    assert.equal(printed.length, 21);
    assert.deepEqual(printed, committed);
  });

  it('install applies them and reports each one Established', async () => {
    const { kc, kubeconfigPath } = await integration.cluster();
    const { stdout } = await custos('crds', 'install', '--kubeconfig', kubeconfigPath);
    assert.match(stdout, /customresourcedefinition\/externalsecrets\.external-secrets\.io established/);
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({
      name: 'externalsecrets.external-secrets.io',
    });
    assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
  });

  it('install without a reachable cluster fails with a message saying what to pass', async () => {
    await assert.rejects(custos('crds', 'install', '--kubeconfig', join(root, 'no-such-kubeconfig')), (error) => {
      const stderr = (error as { stderr: string }).stderr;
      assert.match(stderr, /no-such-kubeconfig/);
      return true;
    });
  });
});
