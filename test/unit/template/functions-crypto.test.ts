// Sprig's crypto functions. Deterministic results and error texts were recorded from Go (Sprig v3.3.0) in
// go-recorded/crypto.json; random outputs (keys, certificates, ciphertexts, bcrypt hashes) are checked by
// structure and by verifying them with node:crypto, and Go-made inputs (a CA, a key, hashes, ciphertexts)
// must be accepted.

import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import bcryptjs from 'bcryptjs';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { cryptoFunctions, SprigCertificate } from '../../../src/template/functions/crypto.js';

interface Recorded {
  kind: string;
  tpl: string;
  args?: string[];
  want?: string;
  error?: string;
}

const recorded = JSON.parse(readFileSync(new URL('./go-recorded/crypto.json', import.meta.url), 'utf8')) as Recorded[];
const byKind = (kind: string) => recorded.filter((r) => r.kind === kind);

function call(name: string, ...args: unknown[]): unknown {
  const f = cryptoFunctions[name];
  assert.ok(f, `function ${name} exists`);
  return (f.fn as (...a: unknown[]) => unknown)(...args);
}

function callError(name: string, ...args: unknown[]): string {
  try {
    call(name, ...args);
  } catch (e) {
    assert.ok(e instanceof TemplateFunctionError, `expected a template error, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`${name} did not fail`);
}

/** Go's asn1 parse errors are long and specific; compare up to where Go starts describing DER internals. */
function goPrefix(message: string): string {
  const cut = message.search(/asn1: |x509: failed to parse|x509: malformed/);
  return cut < 0 ? message : message.slice(0, cut);
}

const goCa = (() => {
  const [cert, key] = (byKind('goca')[0]?.want ?? '').split('|');
  return new SprigCertificate(cert ?? '', key ?? '');
})();
const goEcKey = byKind('gokey')[0]?.want ?? '';

describe('derivePassword', () => {
  for (const r of byKind('derivePassword')) {
    it(`${JSON.stringify(r.args)} gives Go's password`, () => {
      const [counter, ...rest] = r.args ?? [];
      assert.equal(call('derivePassword', BigInt(counter ?? '0'), ...rest), r.want);
    });
  }
});

describe('encryptAES / decryptAES', () => {
  for (const r of byKind('aes')) {
    const [password, plaintext] = r.args ?? ['', ''];
    it(`decrypts Go's ciphertext of ${JSON.stringify(plaintext)}`, () => {
      assert.equal(call('decryptAES', password, r.want), plaintext);
    });
    it(`round-trips ${JSON.stringify(plaintext)} with a fresh IV each time`, () => {
      const a = call('encryptAES', password, plaintext) as string;
      const b = call('encryptAES', password, plaintext) as string;
      assert.notEqual(a, b);
      assert.equal(Buffer.from(a, 'base64').length, (r.want ? Buffer.from(r.want, 'base64') : Buffer.alloc(0)).length);
      assert.equal(call('decryptAES', password, a), plaintext);
    });
  }

  it('keeps empty input empty both ways', () => {
    assert.equal(call('encryptAES', 'k', ''), '');
    assert.equal(call('decryptAES', 'k', ''), '');
  });

  for (const r of byKind('decryptAES')) {
    const input = r.args?.[1] ?? '';
    it(`fails on ${JSON.stringify(input)} like Go`, () => {
      if (r.error === undefined) assert.equal(call('decryptAES', 'k', input), r.want);
      else assert.equal(callError('decryptAES', 'k', input), r.error);
    });
  }
});

describe('bcrypt and htpasswd', () => {
  for (const r of byKind('bcrypt')) {
    const password = r.args?.[0] ?? '';
    if (r.error !== undefined || !r.want?.startsWith('$2a$')) {
      it(`reports ${JSON.stringify(r.want)} for a ${password.length}-byte password`, () => {
        assert.equal(call('bcrypt', password), r.want);
      });
      continue;
    }
    it(`a Go hash of ${JSON.stringify(password)} verifies, and ours has Go's shape`, () => {
      assert.ok(bcryptjs.compareSync(password, r.want as string));
      const ours = call('bcrypt', password) as string;
      assert.match(ours, /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
      assert.ok(bcryptjs.compareSync(password, ours));
      assert.ok(!bcryptjs.compareSync(`wrong${password}`, ours));
    });
  }

  it('htpasswd with "sha" matches ESO test vector', () => {
    assert.equal(call('htpasswd', 'foo1', "FZ4jR;l]ON;pHKi=_'zh79P", 'sha'), 'foo1:{SHA}wtdJD6OIjUniEJkTlewnKzfFxA4=');
  });

  it('htpasswd defaults to bcrypt and rejects a username with a colon', () => {
    const line = call('htpasswd', 'bob', 'pässword') as string;
    assert.match(line, /^bob:\$2a\$10\$/);
    assert.ok(bcryptjs.compareSync('pässword', line.slice(4)));
    const invalid = byKind('htpasswd')[0] as Recorded;
    assert.equal(call('htpasswd', ...(invalid.args ?? [])), invalid.want);
    assert.equal(callError('htpasswd', 'a', 'b', 'sha', 'extra'), 'wrong number of args for htpasswd: want 3 got 4');
  });
});

describe('genPrivateKey', () => {
  it('writes each key type in the PEM form Sprig uses', () => {
    const cases: [string, string, string][] = [
      ['ecdsa', 'EC PRIVATE KEY', 'ec'],
      ['ed25519', 'PRIVATE KEY', 'ed25519'],
      ['dsa', 'DSA PRIVATE KEY', 'dsa'],
    ];
    for (const [type, block, keyType] of cases) {
      const pem = call('genPrivateKey', type) as string;
      assert.match(
        pem,
        new RegExp(
          `^-----BEGIN ${block}-----\\n([A-Za-z0-9+/=]{64}\\n)*[A-Za-z0-9+/=]{1,64}\\n-----END ${block}-----\\n$`,
        ),
      );
      assert.equal(createPrivateKey(pem).asymmetricKeyType, keyType);
    }
    const dsa = createPrivateKey(call('genPrivateKey', 'dsa') as string);
    assert.equal(dsa.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(dsa.asymmetricKeyDetails?.divisorLength, 256);
  });

  it('makes 4096-bit PKCS#1 RSA keys for "rsa" and ""', () => {
    const pem = call('genPrivateKey', 'rsa') as string;
    assert.ok(pem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n'));
    assert.equal(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength, 4096);
  });

  it('answers an unknown type with Sprig text', () => {
    const r = byKind('genPrivateKey')[0] as Recorded;
    assert.equal(call('genPrivateKey', 'foo'), r.want);
  });
});

function x509(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

describe('certificates', () => {
  it('genCA makes a self-signed CA with the common name and validity asked for', () => {
    const ca = call('genCA', 'my ca', 365n) as SprigCertificate;
    assert.equal(ca.goTypeName(), 'sprig.certificate');
    assert.equal(ca.goString(), `{${ca.cert} ${ca.key}}`);
    assert.ok((ca.goField('Key') as string).startsWith('-----BEGIN RSA PRIVATE KEY-----'));
    const cert = x509(ca.goField('Cert') as string);
    assert.equal(cert.subject, 'CN=my ca');
    assert.equal(cert.issuer, 'CN=my ca');
    assert.equal(cert.ca, true);
    assert.ok(cert.verify(cert.publicKey));
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.equal(days, 365);
    assert.ok(cert.publicKey.equals(createPublicKey(ca.key)));
  });

  it('genSignedCert signs with a CA made by Go, with SANs', () => {
    const leaf = call(
      'genSignedCert',
      'leaf',
      ['10.0.0.1', '::1', '::ffff:1.2.3.4'],
      ['a.example'],
      30n,
      goCa,
    ) as SprigCertificate;
    const cert = x509(leaf.cert);
    const ca = x509(goCa.cert);
    assert.ok(cert.checkIssued(ca));
    assert.ok(cert.verify(ca.publicKey));
    assert.equal(cert.ca, false);
    assert.equal(cert.subject, 'CN=leaf');
    assert.equal(
      cert.subjectAltName,
      'DNS:a.example, IP Address:10.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:1.2.3.4',
    );
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });

  it('the WithKey variants keep the key given and re-encode it the Sprig way', () => {
    const ca = call('genCAWithKey', 'ec ca', 10n, goEcKey) as SprigCertificate;
    assert.equal(ca.key, goEcKey);
    const ed = call('genPrivateKey', 'ed25519') as string;
    const leaf = call('genSignedCertWithKey', 'leaf2', null, ['x.test'], 5n, ca, ed) as SprigCertificate;
    assert.equal(leaf.key, ed);
    const cert = x509(leaf.cert);
    assert.ok(cert.verify(x509(ca.cert).publicKey));
    assert.ok(cert.publicKey.equals(createPublicKey(ed)));
    const self = call('genSelfSignedCertWithKey', 'self', ['1.1.1.1'], null, 1n, goEcKey) as SprigCertificate;
    assert.ok(x509(self.cert).verify(createPublicKey(goEcKey)));
  });

  it('buildCustomCert hands back the decoded PEMs', () => {
    const built = call(
      'buildCustomCert',
      Buffer.from(goCa.cert).toString('base64'),
      Buffer.from(goCa.key).toString('base64'),
    ) as SprigCertificate;
    assert.equal(built.cert, goCa.cert);
    assert.equal(built.key, goCa.key);
  });

  for (const r of [...byKind('selfSignedError'), ...byKind('buildCustomCert'), ...byKind('caWithKeyError')]) {
    it(`${r.tpl.slice(0, 90)} fails like Go`, () => {
      let message: string;
      if (r.kind === 'selfSignedError') {
        const list = (text: string) =>
          text === 'nil'
            ? null
            : [...text.matchAll(/"((?:[^"\\]|\\.)*)"|\b(\d+)\b/g)].map((m) =>
                m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : BigInt(m[2] as string),
              );
        const tpl = r as Recorded & { ips: string; dns: string };
        message = callError(
          'genSelfSignedCertWithKey',
          'x',
          list(tpl.ips.replace(/^\(list /, '').replace(/\)$/, '')),
          list(tpl.dns.replace(/^\(list /, '').replace(/\)$/, '')),
          3n,
          goEcKey,
        );
      } else if (r.kind === 'buildCustomCert') {
        message = callError('buildCustomCert', ...(r.args ?? []));
      } else {
        message = callError('genCAWithKey', 'x', 3n, r.args?.[2]);
      }
      assert.equal(goPrefix(message), goPrefix(r.error ?? ''));
    });
  }

  it('refuses to sign with a DSA key, like Go', () => {
    const dsa = call('genPrivateKey', 'dsa') as string;
    assert.equal(
      callError('genCAWithKey', 'x', 3n, dsa),
      'error creating certificate: x509: certificate private key does not implement crypto.Signer',
    );
    assert.equal(
      callError('genSignedCertWithKey', 'y', null, null, 3n, goCa, dsa),
      'error creating certificate: x509: unsupported public key type: *dsa.PublicKey',
    );
  });
});
