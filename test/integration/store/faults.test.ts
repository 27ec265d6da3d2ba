// When the database goes away the store answers 503 with a reason, never a half answer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { bootstrap } from '../../../src/store/admin.js';
import { createStoreServer } from '../../../src/store/api/server.js';
import { backends } from './backends.js';
import { storeClient } from './client.js';

for (const backend of backends) {
  describe(`store faults on ${backend.name}`, { skip: backend.skip }, () => {
    it('answers 503 unavailable when its database is gone', async () => {
      const opened = await backend.open();
      const server = await createStoreServer({ storage: opened.storage, rootKey: randomBytes(32) });
      try {
        const api = storeClient(server.url);
        const creds = await bootstrap(opened.storage, server.context.auth);
        const token = await api.login(creds.admin.accessId, creds.admin.accessKey);
        await opened.storage.close();
        const health = await api.call('GET', '/v1/health');
        assert.equal(health.status, 503);
        assert.equal(health.body.error.code, 'unavailable');
        const read = await api.call('GET', '/v1/items?path=/a/b', { token });
        assert.equal(read.status, 503);
        assert.equal(read.body.error.code, 'unavailable');
        assert.ok(read.body.error.message.length > 10);
      } finally {
        await server.close();
        await opened.cleanup().catch(() => undefined);
      }
    });
  });
}
