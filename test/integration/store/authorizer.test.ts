// Role bindings resolved from real storage: bound claims select bindings, deny in any role wins, system
// capabilities add up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { permissionsFor } from '../../../src/store/policy/authorizer.js';
import { backends, type OpenedBackend } from './backends.js';

const at = new Date().toISOString();

for (const backend of backends) {
  describe(`authorizer on ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedBackend;
    before(async () => {
      opened = await backend.open();
      const s = opened.storage;
      await s.putRole({
        name: 'ns-read',
        rules: [{ path: '/mdapi/{{namespace}}/*', capabilities: ['read'] }],
        system: [],
        createdAt: at,
        updatedAt: at,
      });
      await s.putRole({
        name: 'prod-only',
        rules: [{ path: '/prod/*', capabilities: ['read', 'update'] }],
        system: ['audit'],
        createdAt: at,
        updatedAt: at,
      });
      await s.putRole({
        name: 'no-secrets',
        rules: [{ path: '/mdapi/*/secrets/*', capabilities: ['deny'] }],
        system: [],
        createdAt: at,
        updatedAt: at,
      });
      await s.putBinding({ role: 'ns-read', accessId: 'p-k8s', boundClaims: {} });
      await s.putBinding({ role: 'prod-only', accessId: 'p-k8s', boundClaims: { namespace: ['prod-a', 'prod-b'] } });
      await s.putBinding({ role: 'no-secrets', accessId: 'p-k8s', boundClaims: {} });
    });
    after(async () => opened?.cleanup());

    const table: [string, string, 'read' | 'update', boolean][] = [
      ['joplin', '/mdapi/joplin/app', 'read', true],
      ['joplin', '/mdapi/other/app', 'read', false],
      ['joplin', '/prod/x', 'read', false],
      ['prod-a', '/prod/x', 'update', true],
      ['prod-a', '/mdapi/prod-a/app', 'read', true],
      ['prod-a', '/mdapi/prod-a/secrets/x', 'read', false],
    ];
    for (const [namespace, path, capability, expected] of table) {
      it(`namespace ${namespace}: ${capability} ${path} -> ${expected}`, async () => {
        const permissions = await permissionsFor(opened.storage, { accessId: 'p-k8s', claims: { namespace } });
        assert.equal(permissions.can(path, capability), expected);
      });
    }

    it('adds system capabilities only from bindings that apply', async () => {
      const prod = await permissionsFor(opened.storage, { accessId: 'p-k8s', claims: { namespace: 'prod-b' } });
      const dev = await permissionsFor(opened.storage, { accessId: 'p-k8s', claims: { namespace: 'dev' } });
      assert.equal(prod.hasSystem('audit'), true);
      assert.equal(dev.hasSystem('audit'), false);
      assert.deepEqual(dev.roles, ['no-secrets', 'ns-read']);
    });
  });
}
