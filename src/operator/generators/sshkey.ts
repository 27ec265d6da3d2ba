// ESO's SSHKey generator: a fresh key pair per run, under `privateKey` (OpenSSH's own private key format, PEM
// armoured, unencrypted) and `publicKey` (one authorized_keys line, with the comment if there is one).
// Key types as ESO: rsa (default, keySize default 2048), ecdsa (keySize 256/384/521, default 256) and ed25519
// (keySize ignored). The encoding is written here from the OpenSSH format description (PROTOCOL.key) and
// checked against ssh-keygen in test/unit/operator/sshkey.test.ts.
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import type { SSHKeySpec } from '../../api/generated/types.js';
import { GeneratorError } from './errors.js';
import { cryptoRandom, type RandomSource } from './random.js';

export const SSH_KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

const DEFAULT_RSA_BITS = 2048;
/** Go's crypto/rsa, which ESO uses, refuses keys below 1024 bits; the CRD allows 256..8192. */
const MIN_RSA_BITS = 1024;
const MAX_RSA_BITS = 8192;

const ECDSA_CURVES = {
  256: { nodeCurve: 'P-256', sshName: 'nistp256' },
  384: { nodeCurve: 'P-384', sshName: 'nistp384' },
  521: { nodeCurve: 'P-521', sshName: 'nistp521' },
} as const;

/** Wire encoding of RFC 4251: uint32 lengths, strings and mpints. */
class SshWriter {
  private readonly parts: Buffer[] = [];

  uint32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0);
    this.parts.push(b);
    return this;
  }

  string(value: string | Uint8Array): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    this.uint32(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  /** A non-negative integer given as big-endian bytes: no leading zeros, one 0x00 if the top bit is set. */
  mpint(unsigned: Uint8Array): this {
    let start = 0;
    while (start < unsigned.length && unsigned[start] === 0) start++;
    const digits = Buffer.from(unsigned.subarray(start));
    const needsSignByte = digits.length > 0 && ((digits[0] as number) & 0x80) !== 0;
    return this.string(needsSignByte ? Buffer.concat([Buffer.from([0]), digits]) : digits);
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

interface KeyMaterial {
  /** The public key blob (string type name, then the type's fields). */
  publicBlob: Buffer;
  /** The private fields that follow the type name in the private section. */
  privateFields: (w: SshWriter) => void;
  typeName: string;
}

function b64url(value: string | undefined, field: string): Buffer {
  if (value === undefined) throw new Error(`key export lacks ${field}`);
  return Buffer.from(value, 'base64url');
}

function rsaMaterial(bits: number): KeyMaterial {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 });
  const jwk: JsonWebKey = privateKey.export({ format: 'jwk' });
  const [n, e, d, p, q, qi] = (['n', 'e', 'd', 'p', 'q', 'qi'] as const).map((f) => b64url(jwk[f], f)) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  const typeName = 'ssh-rsa';
  return {
    typeName,
    publicBlob: new SshWriter().string(typeName).mpint(e).mpint(n).toBuffer(),
    // OpenSSH keeps n, e, d, iqmp (q^-1 mod p), p, q.
    privateFields: (w) => w.mpint(n).mpint(e).mpint(d).mpint(qi).mpint(p).mpint(q),
  };
}

function ecdsaMaterial(bits: keyof typeof ECDSA_CURVES): KeyMaterial {
  const curve = ECDSA_CURVES[bits];
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve.nodeCurve });
  const jwk: JsonWebKey = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x, 'x'), b64url(jwk.y, 'y')]);
  const d = b64url(jwk.d, 'd');
  const typeName = `ecdsa-sha2-${curve.sshName}`;
  return {
    typeName,
    publicBlob: new SshWriter().string(typeName).string(curve.sshName).string(point).toBuffer(),
    privateFields: (w) => w.string(curve.sshName).string(point).mpint(d),
  };
}

function ed25519Material(): KeyMaterial {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk: JsonWebKey = privateKey.export({ format: 'jwk' });
  const publicKey = b64url(jwk.x, 'x');
  const seed = b64url(jwk.d, 'd');
  const typeName = 'ssh-ed25519';
  return {
    typeName,
    publicBlob: new SshWriter().string(typeName).string(publicKey).toBuffer(),
    // The private half is the 32-byte seed followed by the public key, as OpenSSH stores it.
    privateFields: (w) => w.string(publicKey).string(Buffer.concat([seed, publicKey])),
  };
}

/** The unencrypted "openssh-key-v1" container around one key, PEM armoured with 64-column lines as ESO's output. */
function opensshPrivateKey(key: KeyMaterial, comment: string, random: RandomSource): string {
  const check = Buffer.from(random.bytes(4)).readUInt32BE();
  const section = new SshWriter().uint32(check).uint32(check).string(key.typeName);
  key.privateFields(section);
  section.string(comment);
  // Pad to the cipher block size ("none" counts as 8) with the bytes 1, 2, 3, ...
  for (let pad = 1; section.length % 8 !== 0; pad++) section.raw(Uint8Array.of(pad));
  const body = new SshWriter()
    .raw(Buffer.from('openssh-key-v1\0', 'latin1'))
    .string('none')
    .string('none')
    .string('')
    .uint32(1)
    .string(key.publicBlob)
    .string(section.toBuffer())
    .toBuffer()
    .toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function authorizedKeyLine(key: KeyMaterial, comment: string): string {
  const line = `${key.typeName} ${key.publicBlob.toString('base64')}`;
  return comment ? `${line} ${comment}\n` : `${line}\n`;
}

function invalid(message: string): GeneratorError {
  return new GeneratorError('Invalid', `SSHKey generator: ${message}`);
}

function keyMaterial(spec: Partial<SSHKeySpec> | undefined): KeyMaterial {
  const keyType = spec?.keyType || 'rsa';
  const keySize = spec?.keySize;
  if (keySize !== undefined && keySize !== null && !Number.isInteger(keySize)) {
    throw invalid(`spec.keySize must be a whole number of bits, got ${JSON.stringify(keySize)}`);
  }
  switch (keyType) {
    case 'rsa': {
      const bits = keySize ?? DEFAULT_RSA_BITS;
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw invalid(
          `spec.keySize ${bits} is out of range for rsa; use ${MIN_RSA_BITS}..${MAX_RSA_BITS} (e.g. 2048, 3072, 4096)`,
        );
      }
      return rsaMaterial(bits);
    }
    case 'ecdsa': {
      // ESO falls back to P-256 for any size it does not know; so does Custos, to run the same manifests.
      const bits = keySize === 384 || keySize === 521 ? keySize : 256;
      return ecdsaMaterial(bits);
    }
    case 'ed25519':
      return ed25519Material();
    default:
      throw invalid(`spec.keyType "${keyType}" is not supported; use one of ${SSH_KEY_TYPES.join(', ')}`);
  }
}

export function generateSSHKey(
  spec: Partial<SSHKeySpec> | undefined,
  random: RandomSource = cryptoRandom,
): Record<string, Uint8Array> {
  const comment = spec?.comment ?? '';
  if (/[\r\n]/.test(comment)) throw invalid('spec.comment must be a single line');
  const key = keyMaterial(spec);
  return {
    privateKey: new Uint8Array(Buffer.from(opensshPrivateKey(key, comment, random), 'utf8')),
    publicKey: new Uint8Array(Buffer.from(authorizedKeyLine(key, comment), 'utf8')),
  };
}
