// The in-house kubeconfig loader: file formats, kubectl's merge rules, relative paths, credential refresh, exec
// plugins (through a scripted runner; test/integration/kube/kubeconfig-exec.test.ts runs a real one) and errors
// that name the field without echoing secrets. Resolved TLS material and credentials are compared with
// @kubernetes/client-node's KubeConfig, which the operator used before.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type ExecResult, type ExecRunner, Kubeconfig } from '../../../src/kube/kubeconfig/index.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const CA = '-----BEGIN CERTIFICATE-----\nca-bytes\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient-cert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsuper-secret-key\n-----END PRIVATE KEY-----\n';
const TOKEN = 'tok-3f9a-very-secret';

let dir: string;

function write(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}

function kubeconfig(opts: {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, Record<string, unknown>>;
}): string {
  const list = (items: Record<string, Record<string, unknown>> | undefined, field: string) =>
    Object.entries(items ?? {}).map(([name, body]) => ({ name, [field]: body }));
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    ...(opts.current ? { 'current-context': opts.current } : {}),
    clusters: list(opts.clusters, 'cluster'),
    users: list(opts.users, 'user'),
    contexts: list(opts.contexts, 'context'),
  });
}

/** What a request would carry: the fields both loaders fill in (client-node also sets an agent; ignored). */
async function resolved(kc: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }) {
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const text = (value: unknown) => (value === undefined ? undefined : Buffer.from(value as Buffer).toString());
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  return {
    ca: text(options.ca),
    cert: text(options.cert),
    key: text(options.key),
    authorization: headers.Authorization ?? headers.authorization,
    auth: options.auth,
    servername: options.servername,
    rejectUnauthorized: options.rejectUnauthorized,
  };
}

async function sameAsClientNode(path: string): Promise<Awaited<ReturnType<typeof resolved>>> {
  const ours = new Kubeconfig();
  ours.loadFromFile(path);
  const theirs = new KubeConfig();
  theirs.loadFromFile(path);
  assert.equal(ours.getCurrentCluster()?.server, theirs.getCurrentCluster()?.server);
  assert.equal(ours.getCurrentContext(), theirs.getCurrentContext());
  const mine = await resolved(ours);
  assert.deepEqual(mine, await resolved(theirs));
  return mine;
}

function assertNoSecrets(error: unknown): true {
  const message = (error as Error).message;
  for (const secret of [TOKEN, 'super-secret-key', b64(KEY), 'hunter2', 'exec-token']) {
    assert.ok(!message.includes(secret), `error leaks a secret: ${message}`);
  }
  return true;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'custos-kubeconfig-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Kubeconfig: same result as client-node', () => {
  it('inline data: server, CA, client certificate and token', async () => {
    const path = write(
      'inline/config',
      kubeconfig({
        current: 'c',
        clusters: { k: { server: 'https://api.example:6443/', 'certificate-authority-data': b64(CA) } },
        users: { u: { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY), token: TOKEN } },
        contexts: { c: { cluster: 'k', user: 'u', namespace: 'team' } },
      }),
    );
    const got = await sameAsClientNode(path);
    assert.deepEqual(got, {
      ca: CA,
      cert: CERT,
      key: KEY,
      authorization: `Bearer ${TOKEN}`,
      auth: undefined,
      servername: undefined,
      rejectUnauthorized: undefined,
    });
    const kc = new Kubeconfig();
    kc.loadFromFile(path);
    assert.equal(kc.getCurrentCluster()?.server, 'https://api.example:6443');
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'team');
  });

  it('file fields relative to the kubeconfig directory, whatever the working directory', async () => {
    write('rel/pki/ca.pem', CA);
    write('rel/pki/client.pem', CERT);
    write('rel/pki/client.key', KEY);
    const path = write(
      'rel/config',
      kubeconfig({
        current: 'c',
        clusters: { k: { server: 'https://10.0.0.1', 'certificate-authority': 'pki/ca.pem' } },
        users: { u: { 'client-certificate': 'pki/client.pem', 'client-key': './pki/client.key' } },
        contexts: { c: { cluster: 'k', user: 'u' } },
      }),
    );
    const got = await sameAsClientNode(path);
    assert.equal(got.ca, CA);
    assert.equal(got.cert, CERT);
    assert.equal(got.key, KEY);
  });

  it('basic auth, tls-server-name and insecure-skip-tls-verify', async () => {
    const path = write(
      'basic/config',
      kubeconfig({
        current: 'c',
        clusters: {
          k: { server: 'https://1.2.3.4', 'tls-server-name': 'api.internal', 'insecure-skip-tls-verify': true },
        },
        users: { u: { username: 'admin', password: 'hunter2' } },
        contexts: { c: { cluster: 'k', user: 'u' } },
      }),
    );
    const got = await sameAsClientNode(path);
    assert.equal(got.auth, 'admin:hunter2');
    assert.equal(got.servername, 'api.internal');
    assert.equal(got.rejectUnauthorized, false);
  });

  it('the context chosen by setCurrentContext', async () => {
    const path = write(
      'two/config',
      kubeconfig({
        current: 'a',
        clusters: { ka: { server: 'https://a' }, kb: { server: 'https://b' } },
        users: { ua: { token: 'ta' }, ub: { token: 'tb' } },
        contexts: { a: { cluster: 'ka', user: 'ua' }, b: { cluster: 'kb', user: 'ub' } },
      }),
    );
    const ours = new Kubeconfig();
    ours.loadFromFile(path);
    ours.setCurrentContext('b');
    assert.equal(ours.getCurrentCluster()?.server, 'https://b');
    assert.equal((await resolved(ours)).authorization, 'Bearer tb');
    assert.throws(() => ours.setCurrentContext('nope'), /context "nope" is not in the kubeconfig \(contexts: a, b\)/);
  });
});

describe('Kubeconfig: loading', () => {
  it('merges the KUBECONFIG files like kubectl: first file wins per name, first current-context wins', async () => {
    const first = write(
      'merge/first',
      kubeconfig({
        clusters: { shared: { server: 'https://first' } },
        users: { u: { token: 'from-first' } },
        contexts: { one: { cluster: 'shared', user: 'u' } },
      }),
    );
    const second = write(
      'merge/second',
      kubeconfig({
        current: 'two',
        clusters: { shared: { server: 'https://second' }, only2: { server: 'https://only-second' } },
        users: { u: { token: 'from-second' } },
        contexts: { one: { cluster: 'only2', user: 'u' }, two: { cluster: 'shared', user: 'u' } },
      }),
    );
    const third = write('merge/third', kubeconfig({ current: 'one' }));
    const kc = new Kubeconfig();
    kc.loadFromDefault({ env: { KUBECONFIG: [first, join(dir, 'merge/missing'), second, third].join(':') } });
    assert.equal(kc.getCurrentContext(), 'two');
    assert.equal(kc.getCurrentCluster()?.server, 'https://first');
    assert.equal((await resolved(kc)).authorization, 'Bearer from-first');
    kc.setCurrentContext('one');
    assert.equal(kc.getCurrentCluster()?.server, 'https://first', 'context "one" of the first file wins');
    assert.deepEqual(
      kc.getClusters().map((c) => c.name),
      ['shared', 'only2'],
    );
  });

  it('resolves relative paths of each merged file against its own directory', async () => {
    write('merge2/a/ca.pem', 'CA OF A');
    write('merge2/b/token', 'token-of-b\n');
    const a = write(
      'merge2/a/config',
      kubeconfig({ current: 'c', clusters: { k: { server: 'https://x', 'certificate-authority': 'ca.pem' } } }),
    );
    const b = write(
      'merge2/b/config',
      kubeconfig({ users: { u: { tokenFile: 'token' } }, contexts: { c: { cluster: 'k', user: 'u' } } }),
    );
    const kc = new Kubeconfig();
    kc.loadFromDefault({ env: { KUBECONFIG: `${a}:${b}` } });
    const got = await resolved(kc);
    assert.equal(got.ca, 'CA OF A');
    assert.equal(got.authorization, 'Bearer token-of-b');
  });

  it('falls back to ~/.kube/config', () => {
    const home = join(dir, 'home');
    write(
      'home/.kube/config',
      kubeconfig({ current: 'c', clusters: { k: { server: 'https://home' } }, contexts: { c: { cluster: 'k' } } }),
    );
    const kc = new Kubeconfig();
    kc.loadFromDefault({ env: {}, home });
    assert.equal(kc.getCurrentCluster()?.server, 'https://home');
    assert.equal(kc.getCurrentUser(), null, 'a context without a user is anonymous');
    assert.equal(kc.podNamespace(), undefined, 'a kubeconfig file is not a pod, whatever its context namespace');
  });

  it('falls back to the in-cluster service account, re-reading its token as it rotates', async () => {
    write('sa/token', 'token-1');
    write('sa/ca.crt', CA);
    write('sa/namespace', 'operators\n');
    let now = 1_000_000;
    const kc = new Kubeconfig({ now: () => now });
    kc.loadFromDefault({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      home: join(dir, 'nohome'),
      serviceAccountDir: join(dir, 'sa'),
    });
    assert.equal(kc.getCurrentCluster()?.server, 'https://[fd00::1]:443');
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'operators');
    assert.equal(kc.podNamespace(), 'operators', 'the leader election Lease goes here by default');
    let got = await resolved(kc);
    assert.equal(got.ca, CA);
    assert.equal(got.authorization, 'Bearer token-1');
    write('sa/token', 'token-2');
    now += 10_000;
    assert.equal((await resolved(kc)).authorization, 'Bearer token-1', 'kept for a minute');
    now += 60_000;
    got = await resolved(kc);
    assert.equal(got.authorization, 'Bearer token-2');
    write('sa/token', 'token-3');
    kc.forgetCredentials();
    assert.equal((await resolved(kc)).authorization, 'Bearer token-3', 'forgetCredentials (after a 401) re-reads');
  });

  it('a token wins over tokenFile', async () => {
    write('tf/token', 'from-file');
    const kc = new Kubeconfig();
    kc.loadFromString(
      kubeconfig({
        current: 'c',
        clusters: { k: { server: 'https://x' } },
        users: { u: { token: 'inline', tokenFile: 'token' } },
        contexts: { c: { cluster: 'k', user: 'u' } },
      }),
      join(dir, 'tf'),
    );
    assert.equal((await resolved(kc)).authorization, 'Bearer inline');
  });

  it('loadFromOptions takes client-node shaped entries', async () => {
    const kc = new Kubeconfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'http://127.0.0.1:1/', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    assert.equal(kc.getCurrentCluster()?.server, 'http://127.0.0.1:1');
    assert.equal((await resolved(kc)).authorization, 'Bearer t');
  });

  it('an empty kubeconfig has no current cluster', () => {
    const kc = new Kubeconfig();
    kc.loadFromString('');
    assert.equal(kc.getCurrentCluster(), null);
    assert.equal(kc.getCurrentContext(), '');
  });
});

describe('Kubeconfig: exec credential plugins', () => {
  const execUser = (exec: Record<string, unknown>) =>
    kubeconfig({
      current: 'c',
      clusters: { k: { server: 'https://api', 'certificate-authority-data': b64(CA), 'tls-server-name': 'api.local' } },
      users: { u: { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', ...exec } } },
      contexts: { c: { cluster: 'k', user: 'u' } },
    });
  const credential = (status: Record<string, unknown>, apiVersion = 'client.authentication.k8s.io/v1') =>
    JSON.stringify({ apiVersion, kind: 'ExecCredential', status });

  interface Call {
    command: string;
    args: string[];
    env: NodeJS.ProcessEnv;
  }
  function scripted(answer: (call: Call, n: number) => ExecResult) {
    const calls: Call[] = [];
    const runner: ExecRunner = async (command, args, env) => {
      calls.push({ command, args, env });
      return answer({ command, args, env }, calls.length);
    };
    return { calls, runner };
  }

  it('runs the plugin with args, env and KUBERNETES_EXEC_INFO, and caches the token until it expires', async () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    const { calls, runner } = scripted((_call, n) => ({
      code: 0,
      stderr: '',
      stdout: credential({ token: `exec-token-${n}`, expirationTimestamp: '2026-12-06T10:05:00Z' }),
    }));
    const kc = new Kubeconfig({ now: () => now, runExec: runner });
    kc.loadFromString(
      execUser({
        command: 'get-token',
        args: ['--cluster', 'prod'],
        env: [{ name: 'REGION', value: 'eu' }],
        provideClusterInfo: true,
      }),
      join(dir, 'exec'),
    );
    assert.equal((await resolved(kc)).authorization, 'Bearer exec-token-1');
    const [first] = calls;
    assert.equal(first?.command, 'get-token', 'a bare command is looked up in PATH');
    assert.deepEqual(first?.args, ['--cluster', 'prod']);
    assert.equal(first?.env.REGION, 'eu');
    assert.deepEqual(JSON.parse(first?.env.KUBERNETES_EXEC_INFO ?? ''), {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: { server: 'https://api', 'tls-server-name': 'api.local', 'certificate-authority-data': b64(CA) },
      },
    });
    now += 4 * 60_000;
    assert.equal((await resolved(kc)).authorization, 'Bearer exec-token-1', 'cached before expiry');
    assert.equal(calls.length, 1);
    now += 60_000;
    assert.equal((await resolved(kc)).authorization, 'Bearer exec-token-2', 'run again at expiry');
    kc.forgetCredentials();
    assert.equal((await resolved(kc)).authorization, 'Bearer exec-token-3', 'and after forgetCredentials');
  });

  it('runs the plugin once for concurrent requests; v1beta1; client certificate; relative command', async () => {
    const { calls, runner } = scripted(() => ({
      code: 0,
      stderr: '',
      stdout: credential({ clientCertificateData: CERT, clientKeyData: KEY }, 'client.authentication.k8s.io/v1beta1'),
    }));
    const kc = new Kubeconfig({ runExec: runner });
    kc.loadFromString(
      execUser({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: './bin/plugin' }),
      join(dir, 'execdir'),
    );
    const results = await Promise.all([resolved(kc), resolved(kc), resolved(kc)]);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.command, join(dir, 'execdir', 'bin', 'plugin'));
    assert.equal(JSON.parse(calls[0]?.env.KUBERNETES_EXEC_INFO ?? '').spec.cluster, undefined);
    for (const got of results) {
      assert.equal(got.cert, CERT);
      assert.equal(got.key, KEY);
      assert.equal(got.authorization, undefined);
    }
  });

  it('reports plugin failures without the plugin output', async () => {
    const cases: Array<[ExecResult, RegExp]> = [
      [
        { code: 3, stdout: '', stderr: 'login expired\nmore' },
        /"get-token" of user "u" .* exited with code 3: login expired$/,
      ],
      [{ code: 0, stdout: `token: exec-token`, stderr: '' }, /did not print an ExecCredential as JSON/],
      [
        { code: 0, stdout: credential({ token: 'exec-token' }, 'client.authentication.k8s.io/v1beta1'), stderr: '' },
        /apiVersion "client.authentication.k8s.io\/v1beta1", but the kubeconfig asks for "client.authentication.k8s.io\/v1"/,
      ],
      [
        { code: 0, stdout: credential({ clientKeyData: KEY }), stderr: '' },
        /only one of status.clientCertificateData and status.clientKeyData/,
      ],
      [{ code: 0, stdout: credential({}), stderr: '' }, /neither status.token nor a client certificate/],
      [
        { code: 0, stdout: credential({ token: 'exec-token', expirationTimestamp: 'soon' }), stderr: '' },
        /not an RFC 3339 time/,
      ],
      [
        {
          code: null,
          stdout: '',
          stderr: '',
          spawnError: Object.assign(new Error('spawn get-token ENOENT'), { code: 'ENOENT' }),
        },
        /"get-token" .* was not found; run: brew install get-token/,
      ],
    ];
    for (const [answer, expected] of cases) {
      const kc = new Kubeconfig({ runExec: async () => answer });
      kc.loadFromString(execUser({ command: 'get-token', installHint: 'run: brew install get-token' }));
      await assert.rejects(resolved(kc), (error) => {
        assert.match((error as Error).message, expected);
        return assertNoSecrets(error);
      });
    }
  });
});

describe('Kubeconfig: errors say what to fix', () => {
  const load = (doc: string) => {
    const kc = new Kubeconfig();
    kc.loadFromString(doc, dir, 'test-config');
    return kc;
  };
  const context = { c: { cluster: 'k', user: 'u' } };

  it('unsupported fields of the current context', () => {
    const cases: Array<[string, RegExp]> = [
      [
        kubeconfig({
          current: 'c',
          clusters: { k: { server: 'https://x' } },
          users: { u: { 'auth-provider': { name: 'gcp', config: { 'access-token': TOKEN } } } },
          contexts: context,
        }),
        /user "u" in test-config uses auth-provider "gcp", which is not supported .* use an exec credential plugin/,
      ],
      [
        kubeconfig({
          current: 'c',
          clusters: { k: { server: 'https://x', 'proxy-url': 'http://proxy:3128' } },
          users: { u: {} },
          contexts: context,
        }),
        /cluster "k" in test-config sets proxy-url, which the operator does not support/,
      ],
      [
        kubeconfig({
          current: 'c',
          clusters: { k: { server: 'https://x' } },
          users: { u: { as: 'x', 'as-groups': ['g'] } },
          contexts: context,
        }),
        /sets as-groups, which is not supported/,
      ],
      [
        kubeconfig({
          current: 'c',
          clusters: { k: { server: 'https://x' } },
          users: { u: { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } } },
          contexts: context,
        }),
        /exec.apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported; use client.authentication.k8s.io\/v1 or v1beta1/,
      ],
      [
        kubeconfig({
          current: 'c',
          clusters: { k: { server: 'https://x' } },
          users: {
            u: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Always' } },
          },
          contexts: context,
        }),
        /needs a terminal \(interactiveMode: Always\)/,
      ],
    ];
    for (const [doc, expected] of cases) {
      const kc = load(doc);
      assert.throws(
        () => {
          kc.getCurrentCluster();
          kc.getCurrentUser();
        },
        (error) => {
          assert.match((error as Error).message, expected);
          return assertNoSecrets(error);
        },
      );
    }
  });

  it('an unsupported entry outside the current context does not matter', async () => {
    const kc = load(
      kubeconfig({
        current: 'good',
        clusters: { k: { server: 'https://x' }, bad: { server: 'https://y', 'proxy-url': 'socks5://p' } },
        users: { u: { token: 't' }, legacy: { 'auth-provider': { name: 'oidc' } } },
        contexts: { good: { cluster: 'k', user: 'u' }, other: { cluster: 'bad', user: 'legacy' } },
      }),
    );
    assert.equal((await resolved(kc)).authorization, 'Bearer t');
  });

  it('conflicting or incomplete credentials', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
      [
        { 'certificate-authority': 'ca.pem', 'certificate-authority-data': b64(CA) },
        {},
        /both certificate-authority and certificate-authority-data; keep one/,
      ],
      [{}, { 'client-certificate-data': b64(CERT) }, /client certificate without a client key/],
      [
        {},
        { 'client-key-data': b64(KEY), 'client-key': 'k.pem', 'client-certificate-data': b64(CERT) },
        /both client-key and client-key-data/,
      ],
      [{}, { token: TOKEN, username: 'a', password: 'hunter2' }, /both a token and username\/password/],
    ];
    for (const [cluster, user, expected] of cases) {
      const kc = load(
        kubeconfig({
          current: 'c',
          clusters: { k: { server: 'https://x', ...cluster } },
          users: { u: user },
          contexts: context,
        }),
      );
      assert.throws(
        () => {
          kc.getCurrentCluster();
          kc.getCurrentUser();
        },
        (error) => {
          assert.match((error as Error).message, expected);
          return assertNoSecrets(error);
        },
      );
    }
  });

  it('missing references', () => {
    assert.throws(
      () => load(kubeconfig({ current: 'gone' })).getCurrentCluster(),
      /current-context "gone" is not among the kubeconfig's contexts/,
    );
    assert.throws(
      () => load(kubeconfig({ current: 'c', contexts: context })).getCurrentCluster(),
      /context "c" names cluster "k", which is not in the kubeconfig/,
    );
    assert.throws(
      () =>
        load(
          kubeconfig({ current: 'c', clusters: { k: { server: 'https://x' } }, contexts: context }),
        ).getCurrentUser(),
      /context "c" names user "u", which is not in the kubeconfig/,
    );
    assert.throws(
      () => load(kubeconfig({ current: 'c', clusters: { k: {} }, contexts: context })).getCurrentCluster(),
      /cluster "k" in test-config has no server/,
    );
  });

  it('malformed files, without quoting them', () => {
    assert.throws(
      () => load(`users:\n- name: u\n  user: {token: "${TOKEN}"\n`),
      (error) => {
        assert.match((error as Error).message, /^kubeconfig test-config is not valid YAML \(line \d+, column \d+\)/);
        return assertNoSecrets(error);
      },
    );
    assert.throws(() => load('- a\n- b\n'), /kubeconfig test-config is not a YAML mapping/);
    assert.throws(() => load('clusters: {}\n'), /clusters must be a list/);
    assert.throws(() => load('users:\n- user: {}\n'), /users\[0\] needs a name/);
  });

  it('bad data and unreadable files, without their contents', async () => {
    const badKey = load(
      kubeconfig({
        current: 'c',
        clusters: { k: { server: 'https://x' } },
        users: { u: { 'client-certificate-data': b64(CERT), 'client-key-data': `${TOKEN}!!` } },
        contexts: context,
      }),
    );
    await assert.rejects(resolved(badKey), (error) => {
      assert.match((error as Error).message, /client-key-data of user "u" in test-config is not valid base64/);
      return assertNoSecrets(error);
    });
    const missing = load(
      kubeconfig({
        current: 'c',
        clusters: { k: { server: 'https://x' } },
        users: { u: { tokenFile: 'no/such/token' } },
        contexts: context,
      }),
    );
    await assert.rejects(
      resolved(missing),
      /cannot read tokenFile of user "u" in test-config from .*no\/such\/token \(ENOENT\)/,
    );
    assert.throws(() => new Kubeconfig().loadFromFile(join(dir, 'nope')), /cannot read kubeconfig .*nope \(ENOENT\)/);
  });

  it('nowhere to load from', () => {
    assert.throws(
      () => new Kubeconfig().loadFromDefault({ env: { KUBECONFIG: join(dir, 'a-missing') } }),
      /none of the files in KUBECONFIG exist/,
    );
    assert.throws(
      () =>
        new Kubeconfig().loadFromDefault({ env: {}, home: join(dir, 'nohome'), serviceAccountDir: join(dir, 'nosa') }),
      /no kubeconfig found: KUBECONFIG is not set, .*nohome\/.kube\/config does not exist and this is not a pod/,
    );
    assert.throws(
      () => new Kubeconfig().loadFromCluster({ env: {} }),
      /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/,
    );
  });
});
