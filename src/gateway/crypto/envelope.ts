// The envelope of one item version (docs/store-protocol.md): the value sealed under a random DEK bound to its path
// and version, the DEK wrapped under KEK = HKDF(d_store || d_customer, keyId). The store keeps it as opaque text.
//
// Byte layout inside the JSON fields (all standard base64): `iv` 12 bytes; `ct` value ciphertext || 16-byte tag;
// `wrappedDek` = 12-byte nonce || 32-byte wrapped DEK || 16-byte tag; `keyId` 16 bytes.
import { randomBytes } from 'node:crypto';
import { aeadOpen, aeadSeal, keyBytes, packSealed, unpackSealed } from './aead.js';
import { deriveKek, keyIdBytes, partialDerivation } from './derive.js';
import { MalformedError } from './errors.js';

export interface Envelope {
  v: 1;
  keyId: Buffer;
  gen: number;
  wrappedDek: Buffer;
  iv: Buffer;
  ct: Buffer;
}

/** Where a version lives; both halves go into the associated data so an envelope cannot be moved. */
export interface VersionAddress {
  path: string;
  version: number;
}

/** The key material for one keyId: the store's partial derivation and the customer fragment of that generation. */
export interface WrapKeys {
  keyId: Uint8Array;
  generation: number;
  dStore: Uint8Array;
  customerFragment: Uint8Array;
}

const valueAad = (a: VersionAddress) => Buffer.from(`custos/v1|${a.path}|${a.version}`, 'utf8');
const dekAad = (a: VersionAddress) => Buffer.from(`custos/dek/v1|${a.path}|${a.version}`, 'utf8');

export function newKeyId(): Buffer {
  return randomBytes(keyIdBytes);
}

function kekFor(keys: WrapKeys): Buffer {
  return deriveKek(keys.dStore, partialDerivation(keys.customerFragment, keys.keyId), keys.keyId);
}

function wrapDek(dek: Uint8Array, address: VersionAddress, keys: WrapKeys): Buffer {
  return packSealed(aeadSeal(kekFor(keys), dek, dekAad(address)));
}

function unwrapDek(envelope: Envelope, address: VersionAddress, keys: WrapKeys): Buffer {
  return aeadOpen(kekFor(keys), unpackSealed(envelope.wrappedDek), dekAad(address), `the data key of ${address.path}`);
}

function assertKeysMatch(envelope: Envelope, keys: WrapKeys): void {
  if (!envelope.keyId.equals(Buffer.from(keys.keyId)) || envelope.gen !== keys.generation) {
    throw new MalformedError('the envelope names a different keyId or generation than the store record');
  }
}

/** Seals `plaintext` for `address` under a fresh DEK; returns the opaque text the store keeps as `ciphertext`. */
export function sealValue(plaintext: Uint8Array, address: VersionAddress, keys: WrapKeys): string {
  const dek = randomBytes(keyBytes);
  try {
    const value = aeadSeal(dek, plaintext, valueAad(address));
    return encodeEnvelope({
      v: 1,
      keyId: Buffer.from(keys.keyId),
      gen: keys.generation,
      wrappedDek: wrapDek(dek, address, keys),
      iv: value.iv,
      ct: value.ct,
    });
  } finally {
    dek.fill(0);
  }
}

/** Opens the text `sealValue` made; throws DecryptionError if anything (keys, path, version, bytes) differs. */
export function openValue(ciphertext: string, address: VersionAddress, keys: WrapKeys): Buffer {
  const envelope = decodeEnvelope(ciphertext);
  assertKeysMatch(envelope, keys);
  const dek = unwrapDek(envelope, address, keys);
  try {
    return aeadOpen(dek, { iv: envelope.iv, ct: envelope.ct }, valueAad(address), `the value of ${address.path}`);
  } finally {
    dek.fill(0);
  }
}

/**
 * Re-wraps the DEK of an envelope under new keys (a newer generation) without touching the value ciphertext:
 * rotation costs one unwrap and one wrap per version, and the plaintext is never decrypted.
 */
export function rewrapValue(ciphertext: string, address: VersionAddress, from: WrapKeys, to: WrapKeys): string {
  const envelope = decodeEnvelope(ciphertext);
  assertKeysMatch(envelope, from);
  const dek = unwrapDek(envelope, address, from);
  try {
    return encodeEnvelope({
      ...envelope,
      keyId: Buffer.from(to.keyId),
      gen: to.generation,
      wrappedDek: wrapDek(dek, address, to),
    });
  } finally {
    dek.fill(0);
  }
}

export function encodeEnvelope(envelope: Envelope): string {
  const json = JSON.stringify({
    v: envelope.v,
    keyId: envelope.keyId.toString('base64'),
    gen: envelope.gen,
    wrappedDek: envelope.wrappedDek.toString('base64'),
    iv: envelope.iv.toString('base64'),
    ct: envelope.ct.toString('base64'),
  });
  return Buffer.from(json, 'utf8').toString('base64');
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Field(record: Record<string, unknown>, name: string): Buffer {
  const value = record[name];
  if (typeof value !== 'string' || !base64Pattern.test(value)) {
    throw new MalformedError(`the envelope field "${name}" is not base64 text`);
  }
  return Buffer.from(value, 'base64');
}

export function decodeEnvelope(text: string): Envelope {
  if (!base64Pattern.test(text)) throw new MalformedError('the envelope is not base64 text');
  let record: unknown;
  try {
    record = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw new MalformedError('the envelope is not base64-encoded JSON');
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new MalformedError('the envelope is not a JSON object');
  }
  const r = record as Record<string, unknown>;
  if (r.v !== 1)
    throw new MalformedError(`unsupported envelope version ${JSON.stringify(r.v)} (this gateway reads v1)`);
  if (!Number.isSafeInteger(r.gen) || (r.gen as number) < 0) {
    throw new MalformedError('the envelope field "gen" is not a non-negative integer');
  }
  const keyId = base64Field(r, 'keyId');
  if (keyId.length !== keyIdBytes) throw new MalformedError(`the envelope keyId is not ${keyIdBytes} bytes`);
  return {
    v: 1,
    keyId,
    gen: r.gen as number,
    wrappedDek: base64Field(r, 'wrappedDek'),
    iv: base64Field(r, 'iv'),
    ct: base64Field(r, 'ct'),
  };
}
