// `custos deploy print` as a user runs it: the real binary prints what the committed default install holds, takes
// its options into the manifests, and refuses bad input with a message that names the flag and what it accepts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { INSTALL_FILE } from '../../../src/operator/install/manifests.js';
import { integration } from '../../helpers/cluster.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const custos = (...args: string[]) => run(process.execPath, [join(root, 'bin/custos.js'), ...args], { cwd: root });
const documents = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJSON())
    .filter(Boolean) as Array<{ kind: string; metadata: { name: string; namespace?: string }; [k: string]: any }>;

describe('custos deploy print', { skip: integration.skipReason }, () => {
  it('prints the committed default install', async () => {
    const { stdout } = await custos('deploy', 'print');
    assert.deepEqual(documents(stdout), documents(readFileSync(join(root, INSTALL_FILE), 'utf8')));
  });

  it('puts the options into the manifests', async () => {
    const { stdout } = await custos(
      'deploy',
      'print',
      '--namespace',
      'secrets',
      '--image',
      'registry.example/custos:1.2.3',
      '--replicas',
      '3',
      '--watch-namespace',
      'team-a',
      '--controller-class',
      'team-a',
      '--concurrency',
      '8',
      '--rollout-restarts',
    );
    const docs = documents(stdout);
    const deployment = docs.find((d) => d.kind === 'Deployment');
    assert.equal(deployment?.metadata.namespace, 'secrets');
    assert.equal(deployment?.spec.replicas, 3);
    const container = deployment?.spec.template.spec.containers[0];
    assert.equal(container.image, 'registry.example/custos:1.2.3');
    for (const arg of ['--namespace=team-a', '--controller-class=team-a', '--concurrency=8', '--leader-elect']) {
      assert.ok(container.args.includes(arg), `${arg} in ${container.args.join(' ')}`);
    }
    const roles = docs.filter((d) => d.kind === 'Role').map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
    assert.deepEqual(roles.sort(), [
      'default/custos-operator-events',
      'secrets/custos-operator-leader-election',
      'team-a/custos-operator',
    ]);
    const teamRole = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'team-a');
    assert.deepEqual(
      teamRole?.rules.filter((r: { apiGroups: string[] }) => r.apiGroups.includes('apps')),
      [{ apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'patch'] }],
    );
  });

  it('refuses bad input and says what to fix', async () => {
    for (const [args, message] of [
      [['--replicas', '0'], /--replicas must be a whole number >= 1/],
      [['--namespace', 'Team_A'], /--namespace must be lower-case letters, digits and '-'/],
      [['--watch-namespace', '-x'], /--watch-namespace must be lower-case/],
      [['--name', 'a'.repeat(57)], /--name .* at most 56 characters/],
    ] as const) {
      await assert.rejects(custos('deploy', 'print', ...args), (error) => {
        assert.match((error as { stderr: string }).stderr, message);
        assert.equal((error as { stdout: string }).stdout, '', 'nothing half-printed');
        return true;
      });
    }
  });
});
