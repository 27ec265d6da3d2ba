// Key derivation of docs/store-protocol.md: each side turns its fragment and the per-version keyId into a partial
// derivation; only the gateway combines both, so the store alone (fragment + database) never holds a KEK.
import { createHmac, hkdfSync } from 'node:crypto';

export const keyIdBytes = 16;
export const fragmentBytes = 32;
const kekInfo = Buffer.from('custos/kek/v1');

/** d = HMAC-SHA256(fragment, keyId): the store computes d_store, the gateway d_customer. */
export function partialDerivation(fragment: Uint8Array, keyId: Uint8Array): Buffer {
  return createHmac('sha256', fragment).update(keyId).digest();
}

/** KEK = HKDF-SHA256(ikm = d_store || d_customer, salt = keyId, info = "custos/kek/v1"), 32 bytes. */
export function deriveKek(dStore: Uint8Array, dCustomer: Uint8Array, keyId: Uint8Array): Buffer {
  if (dStore.length !== 32 || dCustomer.length !== 32) {
    throw new RangeError('both partial derivations must be 32 bytes (HMAC-SHA256 outputs)');
  }
  if (keyId.length !== keyIdBytes) throw new RangeError(`a keyId is ${keyIdBytes} bytes, got ${keyId.length}`);
  return Buffer.from(hkdfSync('sha256', Buffer.concat([dStore, dCustomer]), keyId, kekInfo, 32));
}
