// ESO's common provider cases that need paths and tags (FindByNameWithPath, FindByTag, FindByTagWithPath), which
// neither the fake nor the kubernetes provider has, run with the custos provider against the real store (SQLite in
// a temp dir) and gateway in-process; plus the JSON cases again through it. Each asserts the exact Secret the way
// ESO's e2e framework does (type, labels and annotations without managed/created-by/data-hash, data).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ExternalSecretSpec } from '../../../src/api/generated/types.js';
import { Resources } from '../../../src/kube/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { PushSecretResources, pushSecretController } from '../../../src/operator/pushsecret/index.js';
import { integration } from '../../helpers/cluster.js';
import { type InProcessStack, startInProcessStack } from '../../helpers/in-process-stack.js';
import { comparable } from './eso-expect.js';
import {
  createExternalSecret,
  createNamespace,
  getSecret,
  type Harness,
  harness,
  sleep,
  startTestOperator,
  waitFor,
} from './harness.js';

describe('ESO common cases (custos provider: paths and tags)', { skip: integration.skipReason }, () => {
  const suffix = randomBytes(4).toString('hex');
  let h: Harness;
  let stack: InProcessStack;
  let operator: OperatorHandle;
  let ns: string;
  /** Items live below /apps/<ns>; `base` is that prefix. */
  let base: string;
  let flatBase: string;
  const values: Record<string, string> = {};
  const value = (label: string) => {
    values[label] = `${label}-${suffix}-${randomBytes(6).toString('hex')}`;
    return values[label];
  };
  const readItem = (path: string) => stack.read(path);

  before(async () => {
    h = await harness();
    stack = await startInProcessStack([
      { path: '/apps/*', capabilities: ['read', 'list'] },
      // PushSecrets write below .../pushed/ only.
      { path: '/apps/*/pushed/*', capabilities: ['read', 'list', 'create', 'update', 'delete'] },
    ]);
    ns = await createNamespace(h, 'es-cases-custos');
    base = `/apps/${ns}`;
    flatBase = `apps_${ns}`;
    const put = (path: string, v: string, tags: string[] = []) => stack.put(path, v, tags);
    await put(`${base}/find/alpha-one`, value('alpha-one'), ['team=a']);
    await put(`${base}/find/alpha-two`, value('alpha-two'), ['team=a', 'env=prod']);
    await put(`${base}/find/beta`, value('beta'), ['team=b']);
    await put(`${base}/other/alpha-three`, value('alpha-three'), ['team=a']);
    await put(`${base}/json`, JSON.stringify({ one: value('eins'), two: value('zwei') }));
    await put(
      `${base}/nested`,
      JSON.stringify({ db: { host: 'h', port: 5432 }, name: { first: 'Tom' }, friends: [{ first: 'Dale' }] }),
    );
    await stack.createSecretStore(h.client, ns, 'custos');
    operator = await startTestOperator(h, { namespace: ns, concurrency: 4, controllers: [pushSecretController()] });
  });

  after(async () => {
    await operator?.stop();
    await stack?.close();
  });

  const cases: Array<{ name: string; spec: () => ExternalSecretSpec; data: () => Record<string, string | undefined> }> =
    [
      {
        name: 'find-by-name',
        spec: () => ({ dataFrom: [{ find: { name: { regexp: 'alpha-(one|two)$' } } }] }),
        data: () => ({
          [`${flatBase}_find_alpha-one`]: values['alpha-one'],
          [`${flatBase}_find_alpha-two`]: values['alpha-two'],
        }),
      },
      {
        name: 'find-by-name-with-path',
        spec: () => ({ dataFrom: [{ find: { path: `${base}/find`, name: { regexp: 'alpha' } } }] }),
        data: () => ({ 'alpha-one': values['alpha-one'], 'alpha-two': values['alpha-two'] }),
      },
      {
        name: 'find-by-name-and-rewrite',
        spec: () => ({
          dataFrom: [
            {
              find: { path: `${base}/find`, name: { regexp: 'alpha' } },
              rewrite: [{ regexp: { source: 'alpha-(.*)', target: 'a_$1' } }],
            },
          ],
        }),
        data: () => ({ a_one: values['alpha-one'], a_two: values['alpha-two'] }),
      },
      {
        name: 'find-by-tag',
        spec: () => ({ dataFrom: [{ find: { tags: { team: 'a' } } }] }),
        data: () => ({
          [`${flatBase}_find_alpha-one`]: values['alpha-one'],
          [`${flatBase}_find_alpha-two`]: values['alpha-two'],
          [`${flatBase}_other_alpha-three`]: values['alpha-three'],
        }),
      },
      {
        name: 'find-by-tag-with-path',
        spec: () => ({ dataFrom: [{ find: { path: `${base}/find`, tags: { team: 'a' } } }] }),
        data: () => ({ 'alpha-one': values['alpha-one'], 'alpha-two': values['alpha-two'] }),
      },
      {
        name: 'json-data-with-property',
        spec: () => ({
          data: [
            { secretKey: 'one', remoteRef: { key: `${base}/json`, property: 'one' } },
            { secretKey: 'two', remoteRef: { key: `${base}/json`, property: 'two' } },
          ],
        }),
        data: () => ({ one: values.eins, two: values.zwei }),
      },
      {
        name: 'json-data-from-sync',
        spec: () => ({ dataFrom: [{ extract: { key: `${base}/json` } }] }),
        data: () => ({ one: values.eins, two: values.zwei }),
      },
      {
        name: 'json-data-from-extract-property',
        spec: () => ({ dataFrom: [{ extract: { key: `${base}/nested`, property: 'db' } }] }),
        data: () => ({ host: 'h', port: '5432' }),
      },
      {
        name: 'nested-json-with-gjson',
        spec: () => ({
          data: [
            { secretKey: 'first', remoteRef: { key: `${base}/nested`, property: 'name.first' } },
            { secretKey: 'friend', remoteRef: { key: `${base}/nested`, property: 'friends.0.first' } },
          ],
        }),
        data: () => ({ first: 'Tom', friend: 'Dale' }),
      },
    ];

  for (const c of cases) {
    it(c.name, async () => {
      await createExternalSecret(h, ns, c.name, {
        refreshInterval: '1h',
        secretStoreRef: { name: 'custos', kind: 'SecretStore' },
        ...c.spec(),
      });
      const expected = { type: 'Opaque', labels: {}, annotations: {}, data: c.data() };
      let last: unknown;
      try {
        await waitFor(c.name, async () => {
          last = comparable(await getSecret(h, ns, c.name));
          try {
            assert.deepEqual(last, expected);
            return true;
          } catch {
            return false;
          }
        });
      } catch {
        assert.deepEqual(last, expected);
      }
    });
  }
  it('PushSecret into the custos store: pushed once, a source change is a new version, deletion removes it', async () => {
    const path = `${base}/pushed/db`;
    const first = value('pushed-first');
    await h.client.create(Resources.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'push-source', namespace: ns },
      stringData: { password: first },
    });
    await h.client.create(PushSecretResources.pushSecrets, {
      apiVersion: 'external-secrets.io/v1alpha1',
      kind: 'PushSecret',
      metadata: { name: 'to-custos', namespace: ns },
      spec: {
        refreshInterval: '1s',
        deletionPolicy: 'Delete',
        secretStoreRefs: [{ name: 'custos', kind: 'SecretStore' }],
        selector: { secret: { name: 'push-source' } },
        data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: path } } }],
      },
    });
    const pushed = await waitFor('pushed', async () =>
      (await readItem(path))?.value === first ? readItem(path) : undefined,
    );
    await sleep(3000); // three refresh intervals with nothing changed
    assert.equal((await readItem(path))?.version, pushed?.version, 'an unchanged source is not pushed again');

    const second = value('pushed-second');
    await h.client.patch(Resources.secrets, 'push-source', { stringData: { password: second } }, { namespace: ns });
    const updated = await waitFor('re-pushed', async () => {
      const item = await readItem(path);
      return item?.value === second ? item : undefined;
    });
    assert.equal(updated.version, (pushed?.version ?? 0) + 1);

    await h.client.delete(PushSecretResources.pushSecrets, 'to-custos', { namespace: ns });
    await waitFor('remote item deleted', async () => ((await readItem(path)) === undefined ? true : undefined));
    const statusText = JSON.stringify(
      await h.client.list(PushSecretResources.pushSecrets, { namespace: ns }).catch(() => ({ items: [] })),
    );
    for (const v of [first, second]) assert.ok(!statusText.includes(v) && !h.logs.join('\n').includes(v));
  });
});
