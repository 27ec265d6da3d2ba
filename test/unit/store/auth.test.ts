// Credentials: key hashing, brute-force limits, JWT verification (static keys and a JWKS URL), paths.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { verifyJwtLogin } from '../../../src/store/auth/jwt.js';
import { FailureLimiter } from '../../../src/store/auth/ratelimit.js';
import { derivePepper, hashAccessKey, sameHash } from '../../../src/store/auth/secrets.js';
import type { StoreError } from '../../../src/store/errors.js';
import { pathProblem } from '../../../src/store/paths.js';

describe('API key hashes', () => {
  it('depend on the root key pepper, the access id and the key', () => {
    const pepper = derivePepper(randomBytes(32));
    const hash = hashAccessKey(pepper, 'p-1', 'key');
    assert.ok(sameHash(hash, hashAccessKey(pepper, 'p-1', 'key')));
    assert.ok(!sameHash(hash, hashAccessKey(pepper, 'p-2', 'key')));
    assert.ok(!sameHash(hash, hashAccessKey(pepper, 'p-1', 'key2')));
    assert.ok(!sameHash(hash, hashAccessKey(derivePepper(randomBytes(32)), 'p-1', 'key')));
    assert.ok(!hash.includes('key'));
  });
});

describe('failure limiter', () => {
  it('blocks after the limit within the window and forgets after it', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(limiter.blockedFor('k'), 0);
      limiter.fail('k');
    }
    assert.equal(limiter.blockedFor('k'), 60);
    assert.equal(limiter.blockedFor('other'), 0);
    now = 60_001;
    assert.equal(limiter.blockedFor('k'), 0);
  });
});

describe('JWT login', () => {
  let privateKey: Parameters<SignJWT['sign']>[0];
  let jwks: { keys: object[] };
  let jwksUrl: string;
  const server = createServer((_, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  before(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'a', alg: 'RS256' }] };
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const token = (claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'a' })
      .setIssuer(options.iss ?? 'https://idp')
      .setAudience(options.aud ?? 'custos')
      .setSubject('user-1')
      .setExpirationTime(options.exp ?? '5m')
      .sign(privateKey);

  const config = () => ({
    jwksUrl,
    issuer: 'https://idp',
    audience: 'custos',
    boundClaims: { groups: ['ops'] },
    claimMappings: { namespace: 'ns' },
  });

  it('accepts a valid token from the JWKS URL and maps claims', async () => {
    const claims = await verifyJwtLogin(config(), await token({ groups: ['dev', 'ops'], ns: 'joplin' }));
    assert.deepEqual(claims, { sub: 'user-1', namespace: 'joplin' });
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['a wrong issuer', () => token({ groups: ['ops'] }, { iss: 'https://evil' }), /not accepted/],
    ['a wrong audience', () => token({ groups: ['ops'] }, { aud: 'other' }), /not accepted/],
    ['an expired token', () => token({ groups: ['ops'] }, { exp: '-1m' }), /ERR_JWT_EXPIRED/],
    ['a missing bound claim', () => token({ groups: ['dev'] }), /claim "groups"/],
    [
      'a token signed by another key',
      async () => {
        const other = await generateKeyPair('RS256');
        return new SignJWT({ groups: ['ops'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'a' })
          .setIssuer('https://idp')
          .setAudience('custos')
          .setExpirationTime('5m')
          .sign(other.privateKey);
      },
      /not accepted/,
    ],
    ['garbage', async () => 'not.a.jwt', /not accepted/],
  ];
  for (const [name, make, message] of refusals) {
    it(`refuses ${name} as unauthorized`, async () => {
      await assert.rejects(
        verifyJwtLogin(config(), await make()),
        (e: StoreError) => e.code === 'unauthorized' && message.test(e.message),
      );
    });
  }

  it('accepts static keys without a URL', async () => {
    const claims = await verifyJwtLogin({ jwks: jwks as never, issuer: 'https://idp' }, await token({}));
    assert.equal(claims.sub, 'user-1');
  });
});

describe('item paths', () => {
  const table: [string, boolean][] = [
    ['/mdapi/joplin/app/key', true],
    ['/a', true],
    ['/ünïcode/名前', true],
    ['', false],
    ['relative/path', false],
    ['/a//b', false],
    ['/a/', false],
    ['/a/../b', false],
    ['/a/./b', false],
    ['/a/b*', false],
    ['/a\u0000b', false],
    ['/a\u202eb', false],
    ['/a\u200bb', false],
    ['/e\u0301', false],
    [`/${'x'.repeat(1024)}`, false],
  ];
  for (const [path, ok] of table) {
    it(`${JSON.stringify(path).slice(0, 40)} is ${ok ? 'valid' : 'rejected'}`, () => {
      assert.equal(pathProblem(path) === undefined, ok, pathProblem(path));
    });
  }
});
