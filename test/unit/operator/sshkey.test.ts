// SSHKey generator, checked against OpenSSH itself: ssh-keygen must read every generated private key, derive the
// same public key from it, report the requested type, size and comment, and sign with it so that the generated
// public key verifies the signature. Without ssh-keygen the differential tests skip locally and fail in CI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GeneratorError, generateSSHKey, resolveGenerator } from '../../../src/operator/generators/index.js';

function sshKeygenAvailable(): boolean {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // ssh-keygen -? exits 1 after printing its usage; only a missing binary is "unavailable".
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

const haveSshKeygen = sshKeygenAvailable();
if (!haveSshKeygen && process.env.CI === 'true') throw new Error('ssh-keygen is required in CI (openssh-client)');
const skip = haveSshKeygen ? false : 'ssh-keygen not installed (apt-get install openssh-client)';

const dir = mkdtempSync(join(tmpdir(), 'custos-sshkey-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

function writeKeyPair(name: string, output: Record<string, Uint8Array>): { privatePath: string; publicPath: string } {
  const privatePath = join(dir, name);
  const publicPath = `${privatePath}.pub`;
  writeFileSync(privatePath, text(output.privateKey), { mode: 0o600 });
  writeFileSync(publicPath, text(output.publicKey));
  return { privatePath, publicPath };
}

function sshKeygen(args: string[], input?: string): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('SSHKey generator against ssh-keygen', { skip }, () => {
  const cases = [
    { spec: {}, type: 'RSA', bits: 2048, prefix: 'ssh-rsa' },
    {
      spec: { keyType: 'rsa' as const, keySize: 3072, comment: 'deploy@ci' },
      type: 'RSA',
      bits: 3072,
      prefix: 'ssh-rsa',
    },
    {
      spec: { keyType: 'ed25519' as const, comment: 'user@example.com' },
      type: 'ED25519',
      bits: 256,
      prefix: 'ssh-ed25519',
    },
    { spec: { keyType: 'ecdsa' as const }, type: 'ECDSA', bits: 256, prefix: 'ecdsa-sha2-nistp256' },
    {
      spec: { keyType: 'ecdsa' as const, keySize: 384, comment: 'x' },
      type: 'ECDSA',
      bits: 384,
      prefix: 'ecdsa-sha2-nistp384',
    },
    { spec: { keyType: 'ecdsa' as const, keySize: 521 }, type: 'ECDSA', bits: 521, prefix: 'ecdsa-sha2-nistp521' },
  ];

  for (const [index, { spec, type, bits, prefix }] of cases.entries()) {
    it(`${JSON.stringify(spec)}: ssh-keygen reads it as ${type} ${bits}, same public key, signatures verify`, () => {
      const output = generateSSHKey(spec);
      assert.deepEqual(Object.keys(output).sort(), ['privateKey', 'publicKey']);
      const privateText = text(output.privateKey);
      assert.match(
        privateText,
        /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/,
      );
      const comment = spec.comment ?? '';
      const publicLine = text(output.publicKey);
      assert.ok(publicLine.endsWith('\n'), 'the public key is one line ending in a newline');
      assert.deepEqual(publicLine.trimEnd().split(' ').slice(0, 1), [prefix]);
      assert.equal(publicLine.trimEnd().split(' ').slice(2).join(' '), comment);

      const { privatePath, publicPath } = writeKeyPair(`key-${index}`, output);
      // The public key OpenSSH derives from the private key is the one generated next to it.
      const derived = sshKeygen(['-y', '-f', privatePath]).trim().split(' ');
      assert.deepEqual(derived.slice(0, 2), publicLine.trim().split(' ').slice(0, 2));
      // Type, size and comment as ssh-keygen reads them from the private key.
      const fingerprint = sshKeygen(['-l', '-f', privatePath]).trim();
      assert.match(fingerprint, new RegExp(`^${bits} SHA256:\\S+ .*\\(${type}\\)$`));
      if (comment) assert.ok(fingerprint.includes(` ${comment} (`), fingerprint);
      assert.equal(sshKeygen(['-l', '-f', publicPath]).split(' ')[1], fingerprint.split(' ')[1]);

      // Sign with the private key, verify with the public one.
      const data = join(dir, `data-${index}`);
      writeFileSync(data, 'custos');
      sshKeygen(['-Y', 'sign', '-f', privatePath, '-n', 'file', data]);
      const signers = join(dir, `signers-${index}`);
      writeFileSync(signers, `ci@custos ${publicLine}`);
      const verified = sshKeygen(
        ['-Y', 'verify', '-f', signers, '-I', 'ci@custos', '-n', 'file', '-s', `${data}.sig`],
        'custos',
      );
      assert.match(verified, /Good "file" signature for ci@custos/);
    });
  }
});

/** Reads the fields of an unencrypted openssh-key-v1 private key (test-only; no checks beyond what the test needs). */
function opensshFields(pem: string): { checks: [number, number]; type: string; rest: Buffer } {
  const body = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64');
  let at = 'openssh-key-v1\0'.length;
  const u32 = (buf: Buffer, pos: number) => buf.readUInt32BE(pos);
  const skipString = () => {
    at += 4 + u32(body, at);
  };
  skipString(); // cipher
  skipString(); // kdf
  skipString(); // kdf options
  at += 4; // number of keys
  skipString(); // public key blob
  const section = body.subarray(at + 4, at + 4 + u32(body, at));
  const typeLength = u32(section, 8);
  return {
    checks: [u32(section, 0), u32(section, 4)],
    type: section.subarray(12, 12 + typeLength).toString(),
    rest: section.subarray(12 + typeLength),
  };
}

function readMpints(buf: Buffer, count: number): bigint[] {
  const out: bigint[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = buf.readUInt32BE(at);
    const hex = buf.subarray(at + 4, at + 4 + length).toString('hex');
    out.push(hex ? BigInt(`0x${hex}`) : 0n);
    at += 4 + length;
  }
  return out;
}

describe('SSHKey generator', () => {
  it('stores RSA keys with the fields in OpenSSH order: n, e, d, iqmp = q^-1 mod p, p, q', () => {
    // OpenSSL recovers from a wrong CRT coefficient when signing, so ssh-keygen alone would not notice one.
    const fields = opensshFields(text(generateSSHKey({ keyType: 'rsa', keySize: 1024 }).privateKey));
    assert.equal(fields.type, 'ssh-rsa');
    assert.equal(fields.checks[0], fields.checks[1]);
    const [n, e, d, iqmp, p, q] = readMpints(fields.rest, 6) as [bigint, bigint, bigint, bigint, bigint, bigint];
    assert.equal(p * q, n);
    assert.equal(e, 65537n);
    assert.equal((iqmp * q) % p, 1n);
    const m = 0x1234567890abcdefn;
    const pow = (base: bigint, exp: bigint, mod: bigint) => {
      let result = 1n;
      let b = base % mod;
      for (let x = exp; x > 0n; x >>= 1n) {
        if (x & 1n) result = (result * b) % mod;
        b = (b * b) % mod;
      }
      return result;
    };
    assert.equal(pow(pow(m, e, n), d, n), m, 'd inverts e');
  });

  it('makes a new key pair on every run', () => {
    const a = generateSSHKey({ keyType: 'ed25519' });
    const b = generateSSHKey({ keyType: 'ed25519' });
    assert.notEqual(text(a.publicKey), text(b.publicKey));
    assert.notEqual(text(a.privateKey), text(b.privateKey));
  });

  it('falls back to P-256 for an ECDSA size it does not know, as ESO does', () => {
    assert.match(text(generateSSHKey({ keyType: 'ecdsa', keySize: 300 }).publicKey), /^ecdsa-sha2-nistp256 /);
  });

  it('says what to fix for a bad type, size or comment', () => {
    const check = (spec: object, pattern: RegExp) =>
      assert.throws(
        () => generateSSHKey(spec),
        (e: unknown) => e instanceof GeneratorError && e.code === 'Invalid' && pattern.test(e.message),
      );
    check({ keyType: 'dsa' }, /spec\.keyType "dsa" is not supported; use one of rsa, ecdsa, ed25519/);
    check({ keyType: 'rsa', keySize: 512 }, /spec\.keySize 512 is out of range for rsa; use 1024\.\.8192/);
    check({ keySize: 2048.5 }, /spec\.keySize must be a whole number/);
    check({ comment: 'two\nlines' }, /spec\.comment must be a single line/);
  });

  it('is reachable through resolveGenerator without a server round trip for unsupported kinds', async () => {
    // resolveGenerator rejects unknown kinds before any request, so a client that throws proves no call was made.
    const client = new Proxy({}, { get: () => () => Promise.reject(new Error('no server here')) });
    await assert.rejects(
      resolveGenerator(client as never, 'ns', { kind: 'Grafana', name: 'g' }),
      (e: unknown) =>
        e instanceof GeneratorError &&
        /supported: Password, UUID, Fake, SSHKey, MFA, Webhook, GithubAccessToken/.test(e.message),
    );
  });
});
