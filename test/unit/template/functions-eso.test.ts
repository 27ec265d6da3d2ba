// ESO's template functions against results recorded from ESO's own implementation (external-secrets
// pkg/template/v2 at v0.20.4 with go-pkcs12 v0.6.0, Go 1.26; certSANs, added later to ESO, from the same logic
// in Go) for fixtures made with openssl: a root CA, an EC intermediate, RSA and EC leaves, PFX files in
// modern (AES), legacy (RC2/3DES), unencrypted and SHA-512-MAC flavours, OAEP ciphertexts and JWKs.
// Archives ESO built (pemToPkcs12 and friends) are part of the recording; archives we build are random, so
// they are checked by reading them back (Go reading ours was checked when the recording was made).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TemplateFunctionError } from '../../../src/template/functions/contract.js';
import { bytesToGoString } from '../../../src/template/functions/crypto-bytes.js';
import { dateFunctions } from '../../../src/template/functions/dates.js';
import { esoFunctions } from '../../../src/template/functions/eso.js';
import { GoNumber, newGoMap } from '../../../src/template/values.js';

type Arg = { s: string } | { file: string } | { bin: string };
interface RecordedCase {
  fn: string;
  args: Arg[];
  want?: unknown;
  error?: string;
  note?: string;
}
interface Recording {
  files: Record<string, string>;
  bins: Record<string, string>;
  cases: RecordedCase[];
}

const recording = JSON.parse(readFileSync(new URL('./go-recorded/eso.json', import.meta.url), 'utf8')) as Recording;
const files = recording.files;

function binary(name: string): string {
  return bytesToGoString(Buffer.from(recording.bins[name] ?? '', 'base64'));
}

function arg(a: Arg): string {
  if ('s' in a) return a.s;
  if ('file' in a) return files[a.file] ?? '';
  return binary(a.bin);
}

function call(name: string, ...args: unknown[]): unknown {
  const f = esoFunctions[name];
  assert.ok(f, `function ${name} exists`);
  return (f.fn as (...a: unknown[]) => unknown)(...args);
}

function label(c: RecordedCase): string {
  const shown = c.args.map((a) => ('s' in a ? JSON.stringify(a.s.slice(0, 40)) : JSON.stringify(a)));
  return `${c.fn}(${shown.join(', ')})`;
}

/** Builders whose output is random: compared by what the archive contains, not byte for byte. */
const BUILDERS = new Set([
  'pemToPkcs12',
  'pemToPkcs12Pass',
  'fullPemToPkcs12',
  'fullPemToPkcs12Pass',
  'pemTruststoreToPKCS12',
  'pemTruststoreToPKCS12Pass',
]);

describe('ESO functions agree with ESO', () => {
  for (const c of recording.cases) {
    if (BUILDERS.has(c.fn) && c.error === undefined) continue;
    it(label(c), () => {
      const args = c.args.map(arg);
      if (c.error !== undefined) {
        assert.throws(
          () => call(c.fn, ...args),
          (e: unknown) => e instanceof TemplateFunctionError && e.message === c.error,
        );
      } else {
        assert.deepEqual(call(c.fn, ...args), c.want);
      }
    });
  }
});

function asArchive(base64: unknown): string {
  assert.equal(typeof base64, 'string');
  return bytesToGoString(Buffer.from(base64 as string, 'base64'));
}

describe('archives we build read back like ESO reads its own', () => {
  const goKey = (bin: string, pass: string) =>
    recording.cases.find(
      (c) =>
        c.fn === 'pkcs12keyPass' &&
        'bin' in (c.args[1] as Arg) &&
        (c.args[1] as { bin: string }).bin === bin &&
        (c.args[0] as { s: string }).s === pass,
    )?.want;
  const goCert = (bin: string, pass: string) =>
    recording.cases.find(
      (c) =>
        c.fn === 'pkcs12certPass' &&
        'bin' in (c.args[1] as Arg) &&
        (c.args[1] as { bin: string }).bin === bin &&
        (c.args[0] as { s: string }).s === pass,
    )?.want;

  it('pemToPkcs12 of a PKCS#1 key', () => {
    const pfx = asArchive(call('pemToPkcs12', files['leaf.crt'], files['leaf-pkcs1.key']));
    assert.equal(call('pkcs12key', pfx), goKey('go-pem.pfx', ''));
    assert.equal(call('pkcs12cert', pfx), goCert('go-pem.pfx', ''));
  });

  it('pemToPkcs12Pass with a non-ASCII password, and the wrong password fails like ESO', () => {
    const pfx = asArchive(call('pemToPkcs12Pass', files['leaf.crt'], files['leaf.key'], 'sëcret'));
    assert.equal(call('pkcs12keyPass', 'sëcret', pfx), goKey('go-pem-pass.pfx', 'sëcret'));
    assert.equal(call('pkcs12certPass', 'sëcret', pfx), goCert('go-pem-pass.pfx', 'sëcret'));
    assert.throws(
      () => call('pkcs12keyPass', 'secret', pfx),
      /^TemplateFunctionError: unable to decode pkcs12 with password: pkcs12: decryption password incorrect$/,
    );
  });

  it('fullPemToPkcs12 keeps the chain, which pkcs12cert orders leaf to root', () => {
    const pfx = asArchive(call('fullPemToPkcs12', files['chain.pem'], files['leaf.key']));
    assert.equal(call('pkcs12cert', pfx), goCert('go-full.pfx', ''));
    assert.equal(call('pkcs12cert', pfx), files['chain.pem']);
    const ec = asArchive(
      call('fullPemToPkcs12Pass', `${files['ecleaf.crt']}${files['inter.crt']}`, files['ecleaf.key'], 'pw'),
    );
    assert.equal(call('pkcs12keyPass', 'pw', ec), goKey('go-full-ec-pass.pfx', 'pw'));
    assert.equal(call('pkcs12certPass', 'pw', ec), goCert('go-full-ec-pass.pfx', 'pw'));
  });

  it('an Ed25519 key survives the round trip', () => {
    const pfx = asArchive(call('pemToPkcs12', files['leaf.crt'], files['ed.key']));
    assert.equal(call('pkcs12key', pfx), files['ed.key']);
  });

  it('a trust store holds certificates only, so the key readers report the missing key like ESO', () => {
    for (const [pfx, pass, goName] of [
      [asArchive(call('pemTruststoreToPKCS12', files['truststore.pem'])), '', 'go-truststore.pfx'],
      [asArchive(call('pemTruststoreToPKCS12Pass', files['truststore.pem'], 'pw')), 'pw', 'go-truststore-pass.pfx'],
    ] as const) {
      const expected = recording.cases.find(
        (c) => c.fn === 'pkcs12certPass' && (c.args[1] as { bin?: string }).bin === goName,
      )?.error;
      assert.throws(
        () => call('pkcs12certPass', pass, pfx),
        (e: unknown) => e instanceof TemplateFunctionError && e.message === expected,
      );
      assert.throws(() => call('pkcs12certPass', `${pass}x`, pfx), /decryption password incorrect/);
    }
  });

  it('an empty trust store is still a valid archive', () => {
    const pfx = asArchive(call('pemTruststoreToPKCS12', ''));
    assert.throws(() => call('pkcs12cert', pfx), /pkcs12: certificate missing/);
  });
});

describe('certSANs', () => {
  it('returns a list that works with join and index', () => {
    const sans = call('certSANs', files['leaf.crt']) as string[];
    assert.ok(Array.isArray(sans));
    assert.equal(
      sans.join(','),
      'foo.example.com,*.foo.example.com,10.1.2.3,2001:db8::1,admin@example.com,spiffe://example.com/ns/default',
    );
  });
});

interface YamlCase {
  fn: 'toYaml' | 'fromYaml';
  input?: unknown;
  special?: string;
  want: unknown;
}

const yamlCases = JSON.parse(readFileSync(new URL('./go-recorded/yaml.json', import.meta.url), 'utf8')) as YamlCase[];

/** A JSON value as the template sees fromJson output: maps without prototype, numbers as float64. */
function templateValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(templateValue);
  if (v !== null && typeof v === 'object') {
    const out = newGoMap();
    for (const [k, x] of Object.entries(v)) out[k] = templateValue(x);
    return out;
  }
  return v;
}

/** Plain, key-sorted data for comparing with Go's toJson output. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

// go-recorded/yaml.json: hand-picked cases (quoting, folding at 80 columns, literal blocks, key order,
// number re-typing, YAML 1.1 scalars, merges, errors) followed by 600 generated ones.
describe('toYaml and fromYaml agree with ESO (sigs.k8s.io/yaml over go-yaml v2)', () => {
  for (const c of yamlCases) {
    it(`${c.fn} ${String(JSON.stringify(c.input ?? c.special)).slice(0, 70)}`, () => {
      if (c.fn === 'fromYaml') {
        const got = call('fromYaml', c.input) as Record<string, unknown>;
        assert.equal(Object.getPrototypeOf(got), null);
        assert.deepEqual(canonical(got), canonical(c.want));
        return;
      }
      const value =
        c.special === 'ints'
          ? Object.assign(newGoMap(), {
              i: 5n,
              i64: new GoNumber('int64', 9223372036854775807n),
              list: [1n, 2n, 'x'],
              f: 1,
              b: true,
            })
          : templateValue(c.input);
      assert.equal(call('toYaml', value), c.want);
    });
  }

  it('toYaml renders times and certificates through their JSON form, like encoding/json', () => {
    const t = dateFunctions.mustToDate?.fn as (l: string, v: string) => unknown;
    const value = Object.assign(newGoMap(), { at: t('2006-01-02', '2024-03-01') });
    assert.equal(call('toYaml', value), 'at: "2024-03-01T00:00:00Z"');
  });
});
