// The zero-knowledge store: ciphertext, metadata, access control and audit; never anything that decrypts.
export { type BootstrapResult, bootstrap } from './admin.js';
export { createStoreServer, type StoreServer, type StoreServerOptions } from './api/server.js';
export { verifyStoredAudit } from './audit/log.js';
export { loadRootKey, rootKeyEnv, rootKeyFileName } from './crypto/rootkey.js';
export { StoreError } from './errors.js';
export { bootstrapStore, verifyStoreAudit } from './local.js';
export { openStore, type StoreLocation } from './open.js';
