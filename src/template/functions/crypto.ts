// Sprig's crypto functions: key and certificate generation, derivePassword, bcrypt/htpasswd, encryptAES and
// decryptAES. Failures Sprig reports as error results throw TemplateFunctionError with Go's message; those
// Sprig reports as text (genPrivateKey, bcrypt, derivePassword, htpasswd) return that text, as Sprig does.

import { GoNumber } from '../values.js';
import { type FunctionMap, TemplateFunctionError } from './contract.js';
import { AesError, decryptAES, encryptAES } from './crypto-aes.js';
import { bytesToGoString, goStringToBytes } from './crypto-bytes.js';
import {
  CertError,
  createCertificate,
  issuerFromCertificate,
  SprigCertificate,
  toDnsNames,
  toNetIPs,
} from './crypto-certs.js';
import {
  generatePrivateKey,
  generateRsa,
  KeyError,
  type PrivateKey,
  parsePrivateKeyPem,
  privateKeyToPem,
} from './crypto-keys.js';
import { bcrypt, derivePassword, htpasswd } from './crypto-password.js';
import { base64StdDecode, pemDecode } from './crypto-pem-codec.js';
import { parseCertificate, X509Error } from './crypto-x509.js';

export { SprigCertificate } from './crypto-certs.js';

/** Runs `body`, turning the library's own errors into the template's error result. */
function goErrors<T>(body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof CertError || e instanceof KeyError || e instanceof AesError || e instanceof X509Error) {
      throw new TemplateFunctionError(e.message);
    }
    throw e;
  }
}

function parseKeyArg(pem: string): PrivateKey {
  try {
    return parsePrivateKeyPem(goStringToBytes(pem));
  } catch (e) {
    if (e instanceof KeyError) throw new CertError(`parsing private key: ${e.message}`);
    throw e;
  }
}

function listArg(value: unknown): readonly unknown[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value;
  throw new TemplateFunctionError('wrong type for value; expected []interface {}');
}

function certificateArg(value: unknown): SprigCertificate {
  if (value instanceof SprigCertificate) return value;
  throw new TemplateFunctionError('wrong type for value; expected sprig.certificate');
}

function uint32Arg(value: unknown): number {
  if (typeof value === 'bigint') return Number(BigInt.asUintN(32, value));
  if (value instanceof GoNumber) return Number(BigInt.asUintN(32, BigInt(value.value)));
  if (typeof value === 'number') return value >>> 0;
  throw new TemplateFunctionError('wrong type for value; expected uint32');
}

function caCertificate(commonName: string, daysValid: bigint, key: PrivateKey): SprigCertificate {
  return createCertificate({ commonName, ips: [], dnsNames: [], daysValid, isCA: true }, key, 'self');
}

function selfSigned(cn: string, ips: unknown, dns: unknown, days: bigint, key: () => PrivateKey): SprigCertificate {
  const template = {
    commonName: cn,
    ips: toNetIPs(listArg(ips)),
    dnsNames: toDnsNames(listArg(dns)),
    daysValid: days,
    isCA: false,
  };
  return createCertificate(template, key(), 'self');
}

function signed(
  cn: string,
  ips: unknown,
  dns: unknown,
  days: bigint,
  caArg: unknown,
  key: () => PrivateKey,
): SprigCertificate {
  const ca = certificateArg(caArg);
  const signee = key();
  const [block] = pemDecode(goStringToBytes(ca.cert));
  if (block === undefined) throw new CertError('unable to decode certificate');
  let caDer: Uint8Array;
  try {
    caDer = parseCertificate(block.bytes).raw;
  } catch (e) {
    if (e instanceof X509Error) throw new CertError(`error parsing certificate: decodedSignerCert.Bytes: ${e.message}`);
    throw e;
  }
  let caKey: PrivateKey;
  try {
    caKey = parsePrivateKeyPem(goStringToBytes(ca.key));
  } catch (e) {
    if (e instanceof KeyError) throw new CertError(`error parsing private key: ${e.message}`);
    throw e;
  }
  const template = {
    commonName: cn,
    ips: toNetIPs(listArg(ips)),
    dnsNames: toDnsNames(listArg(dns)),
    daysValid: days,
    isCA: false,
  };
  return createCertificate(template, signee, issuerFromCertificate(caDer, caKey));
}

function buildCustomCert(b64cert: string, b64key: string): SprigCertificate {
  const cert = base64StdDecode(goStringToBytes(b64cert));
  if (cert.errorAt !== undefined) throw new CertError('unable to decode base64 certificate');
  const key = base64StdDecode(goStringToBytes(b64key));
  if (key.errorAt !== undefined) throw new CertError('unable to decode base64 private key');
  const [block] = pemDecode(cert.bytes);
  if (block === undefined) throw new CertError('unable to decode certificate');
  try {
    parseCertificate(block.bytes);
  } catch (e) {
    if (e instanceof X509Error) throw new CertError(`error parsing certificate: decodedCert.Bytes: ${e.message}`);
    throw e;
  }
  try {
    parsePrivateKeyPem(key.bytes);
  } catch (e) {
    if (e instanceof KeyError) throw new CertError(`error parsing private key: ${e.message}`);
    throw e;
  }
  return new SprigCertificate(bytesToGoString(cert.bytes), bytesToGoString(key.bytes));
}

function genPrivateKey(type: string): string {
  const key = generatePrivateKey(type);
  return key === undefined ? `Unknown type ${type}` : privateKeyToPem(key);
}

export const cryptoFunctions: FunctionMap = {
  bcrypt: { params: ['string'], fn: bcrypt },
  htpasswd: {
    params: ['string', 'string'],
    variadic: 'string',
    fn: (username: string, password: string, ...algorithm: string[]) => {
      if (algorithm.length > 1) {
        throw new TemplateFunctionError(`wrong number of args for htpasswd: want 3 got ${2 + algorithm.length}`);
      }
      return htpasswd(username, password, algorithm[0]);
    },
  },
  derivePassword: {
    params: ['uint32', 'string', 'string', 'string', 'string'],
    fn: (counter: unknown, type: string, password: string, user: string, site: string) =>
      derivePassword(uint32Arg(counter), type, password, user, site),
  },
  genPrivateKey: { params: ['string'], fn: genPrivateKey },
  buildCustomCert: {
    params: ['string', 'string'],
    fn: (cert: string, key: string) => goErrors(() => buildCustomCert(cert, key)),
  },
  genCA: {
    params: ['string', 'int'],
    fn: (cn: string, days: bigint) => goErrors(() => caCertificate(cn, days, generateRsa(2048))),
  },
  genCAWithKey: {
    params: ['string', 'int', 'string'],
    fn: (cn: string, days: bigint, key: string) => goErrors(() => caCertificate(cn, days, parseKeyArg(key))),
  },
  genSelfSignedCert: {
    params: ['string', 'slice', 'slice', 'int'],
    fn: (cn: string, ips: unknown, dns: unknown, days: bigint) =>
      goErrors(() => selfSigned(cn, ips, dns, days, () => generateRsa(2048))),
  },
  genSelfSignedCertWithKey: {
    params: ['string', 'slice', 'slice', 'int', 'string'],
    fn: (cn: string, ips: unknown, dns: unknown, days: bigint, key: string) =>
      goErrors(() => {
        const parsed = parseKeyArg(key);
        return selfSigned(cn, ips, dns, days, () => parsed);
      }),
  },
  genSignedCert: {
    params: ['string', 'slice', 'slice', 'int', 'any'],
    fn: (cn: string, ips: unknown, dns: unknown, days: bigint, ca: unknown) =>
      goErrors(() => signed(cn, ips, dns, days, ca, () => generateRsa(2048))),
  },
  genSignedCertWithKey: {
    params: ['string', 'slice', 'slice', 'int', 'any', 'string'],
    fn: (cn: string, ips: unknown, dns: unknown, days: bigint, ca: unknown, key: string) =>
      goErrors(() => {
        const parsed = parseKeyArg(key);
        return signed(cn, ips, dns, days, ca, () => parsed);
      }),
  },
  encryptAES: { params: ['string', 'string'], fn: (password: string, text: string) => encryptAES(password, text) },
  decryptAES: {
    params: ['string', 'string'],
    fn: (password: string, text: string) => goErrors(() => decryptAES(password, text)),
  },
};
