// Instant refresh through the custos provider's change feed: the real store (SQLite in a temp dir) and gateway
// in-process, the operator on the real control plane. A value written to the store reaches the Kubernetes Secret
// well before refreshInterval (1h here) — the issue asks for 2 s — and ExternalSecrets that leave stop being watched.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { OperatorResources } from '../../../src/operator/resources.js';
import { integration } from '../../helpers/cluster.js';
import { type InProcessStack, startInProcessStack } from '../../helpers/in-process-stack.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  getSecret,
  type Harness,
  harness,
  readyOf,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

describe('instant refresh through the custos change feed', { skip: integration.skipReason }, () => {
  const values: string[] = [];
  const value = (label: string) => {
    const v = `${label}-${randomBytes(12).toString('hex')}`;
    values.push(v);
    return v;
  };
  let h: Harness;
  let stack: InProcessStack;
  let operator: OperatorHandle;
  let ns: string;
  const put = (path: string, v: string) => stack.put(path, v);

  before(async () => {
    h = await harness();
    stack = await startInProcessStack([{ path: '/apps/*', capabilities: ['read', 'list'] }]);
    ns = await createNamespace(h, 'instant');
    await stack.createSecretStore(h.client, ns, 'custos');
    operator = await startTestOperator(h, { namespace: ns });
  });

  after(async () => {
    await operator?.stop();
    await stack?.close();
  });

  it('a changed remote value reaches the Secret within 2 s although refreshInterval is 1h', async () => {
    const path = `/apps/${ns}/db/password`;
    const first = value('first');
    await put(path, first);
    await put(`/apps/${ns}/cfg`, JSON.stringify({ user: 'app', token: value('tok') }));
    await createExternalSecret(h, ns, 'db', {
      refreshInterval: '1h',
      secretStoreRef: { name: 'custos', kind: 'SecretStore' },
      target: { name: 'db' },
      data: [{ secretKey: 'password', remoteRef: { key: path } }],
      dataFrom: [{ extract: { key: `/apps/${ns}/cfg` } }],
    });
    await waitFor('first value', async () => decode((await getSecret(h, ns, 'db'))?.data).password === first, 20_000);
    // The watch is (re)opened a moment after the ExternalSecret is first seen; give it time to connect.
    await sleep(1000);

    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const next = value(`rotated${round}`);
      const started = Date.now();
      await put(path, next);
      await waitFor('rotated value', async () => decode((await getSecret(h, ns, 'db'))?.data).password === next, 5000);
      latencies.push(Date.now() - started);
    }
    console.log(`# instant refresh latency (write -> Secret updated): ${latencies.join(' ms, ')} ms`);
    for (const ms of latencies) assert.ok(ms < 2000, `took ${ms} ms`);

    // dataFrom.extract keys are watched too.
    const token = value('tok2');
    const started = Date.now();
    await put(`/apps/${ns}/cfg`, JSON.stringify({ user: 'app', token }));
    await waitFor('extracted value', async () => decode((await getSecret(h, ns, 'db'))?.data).token === token, 5000);
    assert.ok(Date.now() - started < 2000, `extract took ${Date.now() - started} ms`);
    const es = await h.client.get(OperatorResources.externalSecrets, 'db', { namespace: ns });
    assert.equal(readyOf(es as never)?.status, 'True');
  });

  it('an ExternalSecret with refreshPolicy OnChange is not refreshed by remote changes', async () => {
    const path = `/apps/${ns}/onchange`;
    const first = value('oc');
    await put(path, first);
    await createExternalSecret(h, ns, 'onchange', {
      refreshInterval: '1h',
      refreshPolicy: 'OnChange',
      secretStoreRef: { name: 'custos', kind: 'SecretStore' },
      data: [{ secretKey: 'v', remoteRef: { key: path } }],
    });
    await waitFor('first value', async () => decode((await getSecret(h, ns, 'onchange'))?.data).v === first, 20_000);
    await put(path, value('oc2'));
    await sleep(1500);
    assert.equal(decode((await getSecret(h, ns, 'onchange'))?.data).v, first);
  });

  it('never logs a secret value', () => {
    const logs = h.logs.join('\n');
    for (const v of values) assert.ok(!logs.includes(v), 'a secret value reached the operator log');
    assert.ok(logs.includes('watching the change feed'), 'the operator opened a watch');
  });
});
