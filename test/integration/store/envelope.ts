// The gateway's envelope, built exactly as docs/store-protocol.md says, so store tests can write real envelopes
// from known plaintext and prove what the store can and cannot open.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface EnvelopeParts {
  path: string;
  version: number;
  generation: number;
  keyId: Buffer;
  dStore: Buffer;
  dCustomer: Buffer;
}

export const customerShare = (fCustomer: Buffer, keyId: Buffer) =>
  createHmac('sha256', fCustomer).update(keyId).digest();

function kek(dStore: Buffer, dCustomer: Buffer, keyId: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.concat([dStore, dCustomer]), keyId, 'custos/kek/v1', 32));
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: string) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, ct };
}

function gcmOpen(key: Buffer, iv: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

/** base64 of the envelope JSON; wrappedDek = iv(12) | ct | tag. */
export function sealEnvelope(plaintext: string, parts: EnvelopeParts): string {
  const dek = randomBytes(32);
  const value = gcmSeal(dek, Buffer.from(plaintext), `custos/v1|${parts.path}|${parts.version}`);
  const wrapped = gcmSeal(
    kek(parts.dStore, parts.dCustomer, parts.keyId),
    dek,
    `custos/dek/v1|${parts.path}|${parts.version}`,
  );
  const envelope = {
    v: 1,
    keyId: parts.keyId.toString('base64'),
    gen: parts.generation,
    wrappedDek: Buffer.concat([wrapped.iv, wrapped.ct]).toString('base64'),
    iv: value.iv.toString('base64'),
    ct: value.ct.toString('base64'),
  };
  return Buffer.from(JSON.stringify(envelope)).toString('base64');
}

export function openEnvelope(ciphertext: string, parts: Omit<EnvelopeParts, 'generation'>): string {
  const envelope = JSON.parse(Buffer.from(ciphertext, 'base64').toString()) as Record<string, string>;
  const wrapped = Buffer.from(envelope.wrappedDek!, 'base64');
  const dek = gcmOpen(
    kek(parts.dStore, parts.dCustomer, parts.keyId),
    wrapped.subarray(0, 12),
    wrapped.subarray(12),
    `custos/dek/v1|${parts.path}|${parts.version}`,
  );
  return gcmOpen(
    dek,
    Buffer.from(envelope.iv!, 'base64'),
    Buffer.from(envelope.ct!, 'base64'),
    `custos/v1|${parts.path}|${parts.version}`,
  ).toString();
}
