// `custos auth-method`, `custos role` and `custos audit` against a real `custos dev`: an admin creates identities
// and roles, the identities get exactly what the roles grant (claim templating included), the audit log verifies
// and pinpoints tampering.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { cliSandbox, type DevProcess } from './dev-harness.js';

const { home, dataDir, custos, ok, startDev } = cliSandbox('custos-dev-admin-');
const value = 'team-a-VALUE-9f1e22c4';

describe('custos auth-method, role and audit', () => {
  let dev: DevProcess;
  let appKey = '';

  before(async () => {
    dev = await startDev();
    await ok(['login', '--dev', '--data-dir', dataDir]);
    await ok(['secret', 'put', '/apps/team-a/db', '--value', value]);
    await ok(['secret', 'put', '/apps/team-b/db', '--value', 'team-b-VALUE-00aa11bb']);
    await ok(['secret', 'put', '/mdapi/joplin/token', '--value', 'joplin-VALUE-5c5c5c5c']);
    await ok(['secret', 'put', '/mdapi/bootstrap/token', '--value', 'bootstrap-VALUE-6d6d6d6d']);
  });

  after(async () => {
    if (dev && dev.child.exitCode === null) await dev.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates an api_key method, printing its key once, and lists it without secrets', async () => {
    const created = JSON.parse(await ok(['auth-method', 'create', 'app', '--type', 'api_key', '-o', 'json']));
    assert.match(created.accessId, /^p-/);
    assert.ok(created.accessKey.length > 20);
    appKey = created.accessKey;
    const table = await ok(['auth-method', 'list']);
    assert.match(table, /^NAME\s+TYPE\s+ACCESS ID\s+CREATED\s+CONFIG\n/);
    assert.match(table, new RegExp(`app\\s+api_key\\s+${created.accessId}`));
    const listed = await ok(['auth-method', 'list', '-o', 'json']);
    assert.ok(!listed.includes(appKey), 'the key is never listed');
    assert.ok(!listed.includes('keyHash'));
  });

  it('creates a role and associates it; the identity reads only what the role grants', async () => {
    assert.match(await ok(['role', 'create', 'team-a', '--rule', '/apps/team-a/*=read,list']), /role team-a saved/);
    assert.match(await ok(['role', 'list']), /team-a\s+\/apps\/team-a\/\*\s+read,list/);
    assert.match(await ok(['role', 'associate', 'team-a', '--auth-method', 'app']), /associated with app/);
    const keyFile = join(home, 'app.key');
    writeFileSync(keyFile, appKey, { mode: 0o600 });
    const methods = JSON.parse(await ok(['auth-method', 'list', '-o', 'json'])).authMethods;
    const accessId = methods.find((m: { name: string }) => m.name === 'app').accessId;
    // role list says whom the role applies to.
    assert.match(await ok(['role', 'list']), new RegExp(`team-a\\s+/apps/team-a/\\*\\s+read,list\\s+${accessId}`));
    const roles = JSON.parse(await ok(['role', 'list', '-o', 'json'])).roles;
    assert.deepEqual(roles.find((r: { name: string }) => r.name === 'team-a').bindings, [
      { accessId, boundClaims: {} },
    ]);
    const ca = join(dataDir, 'gateway', 'tls', 'ca.crt');
    await ok([
      'login',
      '--gateway',
      dev.url,
      '--ca',
      ca,
      '--access-id',
      accessId,
      '--access-key-file',
      keyFile,
      '--profile',
      'app',
    ]);
    // The last login becomes the current profile; switch back to the admin for the next steps.
    await ok(['login', '--dev', '--data-dir', dataDir]);
    assert.equal(await ok(['secret', 'get', '/apps/team-a/db', '--profile', 'app']), value);
    const other = await custos(['secret', 'get', '/apps/team-b/db', '--profile', 'app']);
    const missing = await custos(['secret', 'get', '/apps/team-b/none', '--profile', 'app']);
    assert.match(other.stderr, /forbidden/);
    assert.equal(
      other.stderr.replace('/db', '/none'),
      missing.stderr,
      'the same answer whether or not the item exists',
    );
    const listed = await ok(['secret', 'list', '/apps', '--profile', 'app', '-o', 'json']);
    assert.deepEqual(
      JSON.parse(listed).items.map((i: { path: string }) => i.path),
      ['/apps/team-a/db'],
    );
    const admin = await custos(['role', 'list', '--profile', 'app']);
    assert.match(admin.stderr, /forbidden/);
  });

  it('templates rules with claims: a jwt identity of namespace joplin reads /mdapi/joplin only', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const jwksFile = join(home, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
    const method = JSON.parse(
      await ok([
        'auth-method',
        'create',
        'ci',
        '--type',
        'jwt',
        '--jwks-file',
        jwksFile,
        '--issuer',
        'https://issuer.test',
        '--claim-mapping',
        'namespace=ns',
        '-o',
        'json',
      ]),
    );
    assert.equal(method.accessKey, undefined);
    await ok(['role', 'create', 'mdapi', '--rule', '/mdapi/{{namespace}}/*=read,list']);
    await ok(['role', 'associate', 'mdapi', '--auth-method', method.accessId]);
    const jwt = await new SignJWT({ ns: 'joplin' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://issuer.test')
      .setSubject('ci-runner')
      .setExpirationTime('10m')
      .sign(privateKey);
    const jwtFile = join(home, 'ci.jwt');
    writeFileSync(jwtFile, jwt, { mode: 0o600 });
    await ok([
      'login',
      '--gateway',
      dev.url,
      '--ca',
      join(dataDir, 'gateway', 'tls', 'ca.crt'),
      '--type',
      'jwt',
      '--access-id',
      method.accessId,
      '--jwt-file',
      jwtFile,
      '--profile',
      'ci',
    ]);
    await ok(['login', '--dev', '--data-dir', dataDir]);
    assert.equal(await ok(['secret', 'get', '/mdapi/joplin/token', '--profile', 'ci']), 'joplin-VALUE-5c5c5c5c');
    const refused = await custos(['secret', 'get', '/mdapi/bootstrap/token', '--profile', 'ci']);
    assert.match(refused.stderr, /forbidden/);
  });

  it('creates, shows and deletes a kubernetes method; the reviewer token is never shown back', async () => {
    const caFile = join(home, 'kube-ca.pem');
    const tokenFile = join(home, 'reviewer.token');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(tokenFile, 'reviewer-TOKEN-3e3e3e3e');
    const created = await ok([
      'auth-method',
      'create',
      'k8s',
      '--type',
      'kubernetes',
      '--kube-server',
      'https://kube.test:6443',
      '--kube-ca-file',
      caFile,
      '--reviewer-token-file',
      tokenFile,
      '--bound-namespace',
      'joplin',
    ]);
    assert.match(created, /type:\s+kubernetes/);
    const listed = await ok(['auth-method', 'list']);
    assert.match(listed, /k8s\s+kubernetes\s+p-\S+\s+\S+\s+server=https:\/\/kube\.test:6443 namespaces=joplin/);
    assert.ok(
      !listed.includes('reviewer-TOKEN') &&
        !(await ok(['auth-method', 'list', '-o', 'json'])).includes('reviewer-TOKEN'),
    );
    assert.match(await ok(['auth-method', 'delete', 'k8s']), /deleted auth method k8s/);
    assert.doesNotMatch(await ok(['auth-method', 'list']), /k8s/);
  });

  it('explains bad rules and unknown names', async () => {
    const badRule = await custos(['role', 'create', 'x', '--rule', '/a/*']);
    assert.match(badRule.stderr, /--rule takes PATH=CAPABILITIES/);
    const badCap = await custos(['role', 'create', 'x', '--rule', '/a/*=readd']);
    assert.match(badCap.stderr, /unknown capability "readd"/);
    const noMethod = await custos(['role', 'associate', 'team-a', '--auth-method', 'nobody']);
    assert.match(noMethod.stderr, /no auth method is named or has access id "nobody"/);
  });

  it('dissociates and deletes a role; the identity loses access', async () => {
    await ok(['role', 'dissociate', 'team-a', '--auth-method', 'app']);
    assert.match((await custos(['secret', 'get', '/apps/team-a/db', '--profile', 'app'])).stderr, /forbidden/);
    assert.match(await ok(['role', 'delete', 'team-a']), /deleted role team-a/);
  });

  it('tails the audit log without values and verifies it', async () => {
    const tail = await ok(['audit', 'tail', '-n', '5']);
    const lines = tail.trim().split('\n');
    assert.match(lines[0]!, /^SEQ\s+TIME\s+ACTOR\s+ACTION\s+PATH\s+OUTCOME$/);
    assert.equal(lines.length, 6);
    const all = JSON.parse(await ok(['audit', 'tail', '-n', '500', '-o', 'json'])).entries;
    assert.ok(
      all.some((e: { action: string; path: string }) => e.action === 'item.read' && e.path === '/apps/team-a/db'),
    );
    const text = JSON.stringify(all);
    for (const v of [value, appKey, 'reviewer-TOKEN']) assert.ok(!text.includes(v));
    assert.match(await ok(['audit', 'verify']), /^audit log intact: \d+ entries, head [0-9a-f]{64}\n$/);
    assert.match((await custos(['audit', 'verify', '--profile', 'app'])).stderr, /forbidden/);
  });

  it('pinpoints the first altered entry after tampering', async () => {
    const db = new Database(join(dataDir, 'store', 'store.db'));
    try {
      db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3").run();
    } finally {
      db.close();
    }
    const result = await custos(['audit', 'verify']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /audit log TAMPERED at entry 3: entry 3 was altered/);
  });

  it('logs out', async () => {
    await ok(['logout']);
    assert.match((await custos(['secret', 'list'])).stderr, /not logged in/);
  });
});
