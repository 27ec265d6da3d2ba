// Local administration straight on the data dir / database (no server needed): what `custos store bootstrap`
// and `custos store audit verify` run.
import { type BootstrapResult, bootstrap } from './admin.js';
import type { AuditVerdict } from './audit/chain.js';
import { appendAudit, verifyStoredAudit } from './audit/log.js';
import { derivePepper } from './auth/secrets.js';
import { AuthService } from './auth/service.js';
import { openStore, type StoreLocation } from './open.js';

/** Creates the admin and gateway API keys once, audited, in one transaction. */
export async function bootstrapStore(location: StoreLocation): Promise<BootstrapResult> {
  const { storage, rootKey } = await openStore(location);
  try {
    const auth = new AuthService(storage, { pepper: derivePepper(rootKey) });
    return await storage.transaction(async (tx) => {
      const created = await bootstrap(tx, auth);
      await appendAudit(tx, {
        at: new Date().toISOString(),
        actor: 'cli',
        action: 'store.bootstrap',
        path: '',
        outcome: 'ok',
        detail: { admin: created.admin.accessId, gateway: created.gateway.accessId },
      });
      return created;
    });
  } finally {
    await storage.close();
  }
}

export async function verifyStoreAudit(location: StoreLocation): Promise<AuditVerdict> {
  const { storage } = await openStore(location);
  try {
    return await verifyStoredAudit(storage);
  } finally {
    await storage.close();
  }
}
