// Two real `custos operator` processes with --leader-elect: SIGKILL the leader (no Lease release, as when a node
// dies) and the standby must take over once the Lease expires, sync what was created in the gap, and not rewrite
// what the dead leader had already written.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { integration, uniqueName } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createFakeStore,
  createNamespace,
  decode,
  getSecret,
  type Harness,
  harness,
  sleep,
  waitFor,
} from './harness.js';

const root = join(import.meta.dirname, '..', '..', '..');

interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  metricsUrl: string;
  output: string[];
}

/** Starts `custos operator` and resolves once it logged its identity and metrics address. */
async function spawnOperator(args: string[]): Promise<OperatorProcess> {
  const child = spawn(process.execPath, [join(root, 'bin/custos.js'), 'operator', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`operator did not start: ${output.join('')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`operator exited with ${code}: ${output.join('')}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      buffered += chunk.toString();
      for (;;) {
        const newline = buffered.indexOf('\n');
        if (newline < 0) break;
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as { msg?: string; identity?: string; metrics?: string };
          if (entry.msg === 'operator started' && entry.identity && entry.metrics) {
            clearTimeout(timer);
            resolve({ child, identity: entry.identity, metricsUrl: `http://${entry.metrics}/metrics`, output });
          }
        } catch {
          // not a JSON log line
        }
      }
    });
  });
}

async function secretWrites(op: OperatorProcess): Promise<number> {
  const text = await (await fetch(op.metricsUrl)).text();
  return [...text.matchAll(/^custos_target_secret_writes_total\{verb="[^"]+"\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

describe('leader election across processes', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  const operators: OperatorProcess[] = [];
  const lease = uniqueName('lease');
  const leaseDurationMs = 4000;

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'es-leader-kill');
    await createFakeStore(h, ns, 'store', [{ key: 'k', value: 'remote-value' }]);
    const { kubeconfigPath } = await integration.cluster();
    const args = [
      `--kubeconfig=${kubeconfigPath}`,
      `--namespace=${ns}`,
      '--metrics-addr=127.0.0.1:0',
      '--leader-elect',
      `--leader-election-id=${lease}`,
      `--leader-elect-lease-duration=${leaseDurationMs / 1000}s`,
      '--leader-elect-renew-deadline=3s',
      '--leader-elect-retry-period=500ms',
    ];
    operators.push(...(await Promise.all([spawnOperator(args), spawnOperator(args)])));
  });

  after(() => {
    for (const op of operators) op.child.kill('SIGKILL');
  });

  const holder = async () =>
    (await h.client.get<{ spec?: { holderIdentity?: string } }>(Resources.leases, lease, { namespace: ns })).spec
      ?.holderIdentity;
  const createBatch = async (prefix: string) => {
    for (let i = 0; i < 4; i++) {
      await createExternalSecret(h, ns, `${prefix}-${i}`, {
        secretStoreRef: { name: 'store' },
        data: [{ secretKey: 'password', remoteRef: { key: 'k' } }],
      });
    }
  };
  const synced = (name: string) => async () => {
    const secret = await getSecret(h, ns, name);
    return secret && decode(secret.data).password === 'remote-value' ? secret : undefined;
  };

  it('kill -9 of the leader: the standby takes over after the Lease expires, with no lost or doubled writes', async (t) => {
    const leaderIdentity = await waitFor('a Lease holder', holder, 30_000);
    const leader = operators.find((op) => op.identity === leaderIdentity);
    const standby = operators.find((op) => op.identity !== leaderIdentity);
    assert.ok(leader && standby, `holder ${leaderIdentity} is one of ${operators.map((op) => op.identity)}`);

    await createBatch('before');
    const before = new Map<string, string | undefined>();
    for (let i = 0; i < 4; i++) {
      const secret = await waitFor(`before-${i}`, synced(`before-${i}`));
      before.set(`before-${i}`, secret.metadata?.resourceVersion);
    }
    // A Secret is visible before its writer has handled the API server's answer (and counted the write): wait for
    // the count, then give a doubled write time to show up before comparing exactly.
    await waitFor('the leader to count its 4 writes', async () => (await secretWrites(leader)) >= 4);
    await sleep(500);
    assert.equal(await secretWrites(leader), 4);
    assert.equal(await secretWrites(standby), 0, 'the standby wrote nothing while it was not leading');

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await createBatch('gap'); // created while nobody leads: must not be lost
    await waitFor('the standby to hold the Lease', async () => (await holder()) === standby.identity, 30_000);
    const takeoverMs = Date.now() - killedAt;
    // The dead leader never released the Lease, so the standby must wait for it to expire, and no longer.
    assert.ok(takeoverMs >= leaseDurationMs - 1000, `took over after ${takeoverMs} ms, before the Lease expired`);
    assert.ok(takeoverMs < leaseDurationMs + 6000, `took ${takeoverMs} ms to take over a ${leaseDurationMs} ms Lease`);

    for (let i = 0; i < 4; i++) await waitFor(`gap-${i}`, synced(`gap-${i}`), 30_000);
    t.diagnostic(
      `takeover ${takeoverMs} ms after kill -9; gap ExternalSecrets synced ${Date.now() - killedAt} ms after it`,
    );
    await createBatch('after');
    for (let i = 0; i < 4; i++) await waitFor(`after-${i}`, synced(`after-${i}`));

    // The new leader re-checked the first four (already in sync) without writing them again.
    for (const [name, resourceVersion] of before) {
      assert.equal((await getSecret(h, ns, name))?.metadata?.resourceVersion, resourceVersion, `${name} was rewritten`);
    }
    await waitFor('the new leader to count its writes', async () => (await secretWrites(standby)) >= 8);
    await sleep(1000);
    assert.equal(await secretWrites(standby), 8, 'the new leader wrote exactly the eight new Secrets');
    assert.equal(standby.child.exitCode, null, 'the new leader is still running');
  });
});
