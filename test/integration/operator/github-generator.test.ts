// GithubAccessToken generator on the real control plane. GitHub is a closed SaaS, so the endpoint is a stand-in
// that checks what GitHub checks: the App JWT's RS256 signature against the App's public key, its issuer, issue
// and expiry times, the installation in the path and the requested repositories and permissions. Then the
// errors a user sees (a key that is not RSA, a missing Secret, GitHub's refusal) and an ExternalSecret through
// the operator. The private key and the issued token must not appear in any message or log.
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../../../src/kube/index.js';
import { GeneratorError, GeneratorResources, resolveGenerator } from '../../../src/operator/generators/index.js';
import type { OperatorHandle } from '../../../src/operator/index.js';
import { integration } from '../../helpers/cluster.js';
import {
  createExternalSecret,
  createNamespace,
  decode,
  getSecret,
  type Harness,
  harness,
  startTestOperator,
  waitFor,
} from './harness.js';

const apiVersion = 'generators.external-secrets.io/v1alpha1';
const issuedToken = 'ghs_custosTestToken0123456789abcdef';
const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appKeyPem = appKeys.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });

interface Seen {
  path: string;
  claims: { iss?: string; iat?: number; exp?: number };
  body: unknown;
  accept?: string;
}

describe('GithubAccessToken generator', { skip: integration.skipReason }, () => {
  let h: Harness;
  let ns: string;
  let server: Server;
  let base: string;
  let op: OperatorHandle | undefined;
  const seen: Seen[] = [];

  const createGenerator = (name: string, spec: Record<string, unknown>) =>
    h.client.create(GeneratorResources.GithubAccessToken, {
      apiVersion,
      kind: 'GithubAccessToken',
      metadata: { name, namespace: ns },
      spec: {
        url: base,
        appID: '424242',
        installID: '987',
        auth: { privateKey: { secretRef: { name: 'app-key', key: 'pem' } } },
        ...spec,
      },
    });

  before(async () => {
    h = await harness();
    ns = await createNamespace(h, 'gh-gen');
    const publicKey = createPublicKey(appKeys.privateKey);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        const jwt = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const [header, claims, signature] = jwt.split('.');
        const valid =
          header !== undefined &&
          claims !== undefined &&
          signature !== undefined &&
          createVerify('RSA-SHA256')
            .update(`${header}.${claims}`)
            .verify(publicKey, Buffer.from(signature, 'base64url'));
        if (!valid) return reply(401, { message: 'A JSON web token could not be decoded' });
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({
          path: req.url ?? '',
          claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')),
          body: body ? JSON.parse(body) : undefined,
          accept: req.headers.accept,
        });
        if (req.method !== 'POST' || !/^\/app\/installations\/987\/access_tokens$/.test(req.url ?? '')) {
          return reply(404, { message: 'Not Found' });
        }
        return reply(201, { token: issuedToken, expires_at: '2030-01-01T00:00:00Z', permissions: {} });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await h.client.create(Resources.secrets, {
      metadata: { name: 'app-key', namespace: ns },
      stringData: { pem: appKeyPem },
    });
    await h.client.create(Resources.secrets, {
      metadata: { name: 'ec-key', namespace: ns },
      stringData: { pem: otherKey },
    });
  });

  after(async () => {
    await op?.stop();
    await new Promise((resolve) => server?.close(resolve));
    await h?.client.delete(Resources.namespaces, ns).catch(() => undefined);
  });

  it('signs an App JWT GitHub accepts and returns the installation token under `token`', async () => {
    await createGenerator('narrow', { repositories: ['infra', 'app'], permissions: { contents: 'read' } });
    const before = Math.floor(Date.now() / 1000);
    const out = await resolveGenerator(h.client, ns, { kind: 'GithubAccessToken', name: 'narrow' });
    assert.deepEqual(Object.keys(out), ['token']);
    assert.equal(Buffer.from(out.token ?? new Uint8Array()).toString('utf8'), issuedToken);
    const request = seen.at(-1);
    assert.equal(request?.path, '/app/installations/987/access_tokens');
    assert.equal(request?.accept, 'application/vnd.github.v3+json');
    assert.deepEqual(request?.body, { permissions: { contents: 'read' }, repositories: ['infra', 'app'] });
    assert.equal(request?.claims.iss, '424242');
    const iat = request?.claims.iat ?? 0;
    const exp = request?.claims.exp ?? 0;
    assert.ok(iat <= before && iat >= before - 15, `iat ${iat} is about 10 s before ${before}`);
    assert.ok(exp - iat === 310, 'valid for 5 minutes from now');
  });

  it('sends no body when neither repositories nor permissions are set', async () => {
    await createGenerator('whole', {});
    await resolveGenerator(h.client, ns, { kind: 'GithubAccessToken', name: 'whole' });
    assert.equal(seen.at(-1)?.body, undefined);
  });

  it('says what to fix, without the key or a token', async () => {
    await createGenerator('ec', { auth: { privateKey: { secretRef: { name: 'ec-key', key: 'pem' } } } });
    await createGenerator('no-secret', { auth: { privateKey: { secretRef: { name: 'absent', key: 'pem' } } } });
    await createGenerator('wrong-install', { installID: '1' });
    const expectError = (name: string, code: string, pattern: RegExp) =>
      assert.rejects(resolveGenerator(h.client, ns, { kind: 'GithubAccessToken', name }), (e: unknown) => {
        assert.ok(e instanceof GeneratorError, String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes('PRIVATE KEY') && !e.message.includes(issuedToken), e.message);
        return true;
      });
    await expectError('ec', 'Invalid', /holds a key of type ec; GitHub Apps use RSA keys/);
    await expectError('no-secret', 'NotFound', /Secret "absent" not found in namespace/);
    await expectError('wrong-install', 'NotFound', /GitHub answered 404: Not Found \(installation 1, app 424242\)/);
  });

  it('an ExternalSecret gets the token through the operator; no log line carries it', async () => {
    op = await startTestOperator(h, { namespace: ns });
    await createGenerator('for-es', { repositories: ['infra'] });
    await createExternalSecret(h, ns, 'repo-creds', {
      refreshInterval: '1h',
      target: {
        name: 'repo-creds',
        template: { data: { username: 'x-access-token', password: '{{ .token }}' } },
      },
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'GithubAccessToken', name: 'for-es' } } }],
    });
    const secret = await waitFor('repo-creds', () => getSecret(h, ns, 'repo-creds'));
    assert.deepEqual(decode(secret.data), { username: 'x-access-token', password: issuedToken });
    const logs = h.logs.join('\n');
    assert.ok(!logs.includes(issuedToken) && !logs.includes('PRIVATE KEY'), 'a secret reached the operator log');
  });
});
