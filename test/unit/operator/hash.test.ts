// Values computed independently with Python's hashlib.sha3_224 over the Go %+v text that ESO hashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createdByValue, fieldManagerFor } from '../../../src/operator/externalsecret/constants.js';
import { dataHash, goFormatBytesMap, resourceVersionOf } from '../../../src/operator/externalsecret/hash.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('ESO ObjectHash', () => {
  it('matches the TestObjectHash vector of runtime/esutils', () => {
    assert.equal(
      dataHash({ foo: bytes('value1'), bar: bytes('value2') }),
      '1bed8bcbcb4547ffe19a19cd47d9078e84aa6598266d86b99f992d64',
    );
  });
  it('hashes an empty map as map[]', () => {
    assert.equal(goFormatBytesMap({}), 'map[]');
    assert.equal(dataHash({}), '74a974446e359fb3e6baff9bd0058950e6edd0f040888d9989b0a11b');
  });
  it('prints empty values and raw bytes as decimal lists', () => {
    const map = { b: new Uint8Array([0, 255]), a: new Uint8Array([]) };
    assert.equal(goFormatBytesMap(map), 'map[a:[] b:[0 255]]');
    assert.equal(dataHash(map), '0c3532280428794e95d63a63521cf84b41c26e13df508848a1b4c76b');
  });
  it('sorts keys by UTF-8 bytes as Go does', () => {
    const map = { é: bytes('2'), z: bytes('1') };
    assert.equal(goFormatBytesMap(map), 'map[z:[49] é:[50]]');
    assert.equal(dataHash(map), '31480576a9038834c1646ab1742a0e129ef9159eab9a9f49e82fd8ae');
  });
  it('computes created-by from namespace/name', () => {
    assert.equal(createdByValue('ns1', 'es1'), '20857d8ba7f864270c9452a73d61f15df3d0cfcb0769b0d81ccbc8e4');
  });
  it('computes syncedResourceVersion from generation and the {annotations labels} struct', () => {
    assert.equal(
      resourceVersionOf({ generation: 3, annotations: { a: 'b' } }),
      '3-bf2e191ffa050d7e5617bad52426046fb9b3f137ba45f6c09b8f320b',
    );
    assert.equal(resourceVersionOf({ generation: 1 }), '1-f47fe3c0b255b6dd8047cdffa772587bb829efe7a1cb70febeda2eb2');
  });
  it('uses the sha3 field manager only when the plain one exceeds 63 characters', () => {
    assert.equal(fieldManagerFor('short'), 'externalsecrets.external-secrets.io/short');
    const long = 'x'.repeat(40);
    assert.match(fieldManagerFor(long), /^externalsecrets\.external-secrets\.io\/sha3\/[0-9a-f]{56}$/);
  });
});
