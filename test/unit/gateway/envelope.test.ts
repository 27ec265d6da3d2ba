import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { deriveKek, partialDerivation } from '../../../src/gateway/crypto/derive.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  newKeyId,
  openValue,
  rewrapValue,
  sealValue,
  type WrapKeys,
} from '../../../src/gateway/crypto/envelope.js';
import { DecryptionError, MalformedError } from '../../../src/gateway/crypto/errors.js';

const storeFragment = randomBytes(32);
const customerFragment = randomBytes(32);

function keysFor(
  keyId: Buffer,
  generation = 1,
  fragments = { store: storeFragment, customer: customerFragment },
): WrapKeys {
  return {
    keyId,
    generation,
    dStore: partialDerivation(fragments.store, keyId),
    customerFragment: fragments.customer,
  };
}

const address = { path: '/mdapi/joplin/db/password', version: 3 };
const plaintext = Buffer.from('s3cr3t-value-ü', 'utf8');

describe('envelope', () => {
  it('round-trips a value bound to its path and version', () => {
    const keys = keysFor(newKeyId());
    const text = sealValue(plaintext, address, keys);
    assert.deepEqual(openValue(text, address, keys), plaintext);
    assert.ok(!Buffer.from(text, 'base64').toString('utf8').includes('s3cr3t'));
  });

  it('matches the documented KEK derivation', () => {
    const keyId = newKeyId();
    const dStore = partialDerivation(storeFragment, keyId);
    const dCustomer = partialDerivation(customerFragment, keyId);
    const kek = deriveKek(dStore, dCustomer, keyId);
    assert.equal(kek.length, 32);
    assert.notDeepEqual(kek, deriveKek(dCustomer, dStore, keyId), 'the order of the fragments matters');
  });

  it('fails on every altered byte of every envelope field', () => {
    const keys = keysFor(newKeyId());
    const envelope = decodeEnvelope(sealValue(plaintext, address, keys));
    for (const field of ['wrappedDek', 'iv', 'ct'] as const) {
      for (let i = 0; i < envelope[field].length; i++) {
        const altered = Buffer.from(envelope[field]);
        altered[i] = (altered[i] ?? 0) ^ 0x01;
        const text = encodeEnvelope({ ...envelope, [field]: altered });
        assert.throws(() => openValue(text, address, keys), DecryptionError, `${field}[${i}]`);
      }
    }
  });

  it('fails when the keyId or generation in the envelope differ from the store record', () => {
    const keys = keysFor(newKeyId());
    const envelope = decodeEnvelope(sealValue(plaintext, address, keys));
    const otherKeyId = encodeEnvelope({ ...envelope, keyId: newKeyId() });
    assert.throws(() => openValue(otherKeyId, address, keys), MalformedError);
    const otherGen = encodeEnvelope({ ...envelope, gen: 2 });
    assert.throws(() => openValue(otherGen, address, keys), MalformedError);
  });

  it('fails when moved to another path or version', () => {
    const keys = keysFor(newKeyId());
    const text = sealValue(plaintext, address, keys);
    assert.throws(() => openValue(text, { ...address, path: '/mdapi/joplin/db/user' }, keys), DecryptionError);
    assert.throws(() => openValue(text, { ...address, version: 4 }, keys), DecryptionError);
    assert.throws(() => openValue(text, { ...address, path: `${address.path}/` }, keys), DecryptionError);
  });

  it('cannot be opened with the store share alone or the customer fragment alone', () => {
    const keyId = newKeyId();
    const keys = keysFor(keyId);
    const text = sealValue(plaintext, address, keys);
    // Everything the store has: its fragment, hence d_store; the customer fragment replaced by a guess.
    const storeOnly: WrapKeys = { ...keys, customerFragment: randomBytes(32) };
    assert.throws(() => openValue(text, address, storeOnly), DecryptionError);
    // Treating the store fragment as if it were the customer's (a store insider's best move) fails too.
    const storeTwice: WrapKeys = { ...keys, customerFragment: storeFragment };
    assert.throws(() => openValue(text, address, storeTwice), DecryptionError);
    // Everything the gateway has: the customer fragment, but no d_store from the store.
    const customerOnly: WrapKeys = { ...keys, dStore: partialDerivation(customerFragment, keyId) };
    assert.throws(() => openValue(text, address, customerOnly), DecryptionError);
    assert.throws(() => openValue(text, address, { ...keys, dStore: randomBytes(32) }), DecryptionError);
  });

  it('re-wraps under a new generation without changing the value ciphertext', () => {
    const from = keysFor(newKeyId(), 1);
    const next = { store: randomBytes(32), customer: randomBytes(32) };
    const to = keysFor(newKeyId(), 2, next);
    const text = sealValue(plaintext, address, from);
    const rewrapped = rewrapValue(text, address, from, to);
    assert.deepEqual(decodeEnvelope(rewrapped).ct, decodeEnvelope(text).ct);
    assert.equal(decodeEnvelope(rewrapped).gen, 2);
    assert.deepEqual(openValue(rewrapped, address, to), plaintext);
    assert.throws(() => openValue(rewrapped, address, { ...from, keyId: to.keyId, generation: 2 }), DecryptionError);
  });

  it('rejects text that is not an envelope with a clear error', () => {
    const keys = keysFor(newKeyId());
    assert.throws(() => openValue('not base64!', address, keys), /not base64/);
    assert.throws(() => openValue(Buffer.from('[1]').toString('base64'), address, keys), /not a JSON object/);
    const v2 = Buffer.from(JSON.stringify({ v: 2 })).toString('base64');
    assert.throws(() => openValue(v2, address, keys), /unsupported envelope version 2/);
  });
});
