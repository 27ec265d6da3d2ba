// ESO's own template functions (runtime/template/v2 in ESO): PKCS#12, PEM, JWK, YAML and RSA decryption.
// Errors are ESO's messages, including the Go runtime panics ESO lets text/template turn into errors.

import { type FunctionMap, TemplateFunctionError } from './contract.js';
import { KeyError } from './crypto-keys.js';
import { X509Error } from './crypto-x509.js';
import { RsaDecryptError, rsaDecrypt } from './eso-decrypt.js';
import { JwkError, jwkPrivateKeyPem, jwkPublicKeyPem } from './eso-jwk.js';
import { certSANs, EsoPemError, filterCertChain, filterPEM } from './eso-pem.js';
import {
  EsoPkcs12Error,
  fullPemToPkcs12Pass,
  pemToPkcs12Pass,
  pemTruststoreToPKCS12Pass,
  pkcs12certPass,
  pkcs12keyPass,
} from './eso-pkcs12.js';
import { Pkcs12Error } from './eso-pkcs12-codec.js';
import { fromYaml, toYaml } from './eso-yaml.js';
import { stringSlice } from './support.js';

const LIBRARY_ERRORS = [EsoPemError, EsoPkcs12Error, Pkcs12Error, X509Error, KeyError, JwkError, RsaDecryptError];

/** Wraps an implementation so the library's errors become the template function's error result. */
function esoFn<A extends unknown[], R>(impl: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return impl(...args);
    } catch (e) {
      if (LIBRARY_ERRORS.some((type) => e instanceof type)) throw new TemplateFunctionError((e as Error).message);
      throw e;
    }
  };
}

export const esoFunctions: FunctionMap = {
  pkcs12key: { params: ['string'], fn: esoFn((input: string) => pkcs12keyPass('', input)) },
  pkcs12keyPass: { params: ['string', 'string'], fn: esoFn(pkcs12keyPass) },
  pkcs12cert: { params: ['string'], fn: esoFn((input: string) => pkcs12certPass('', input)) },
  pkcs12certPass: { params: ['string', 'string'], fn: esoFn(pkcs12certPass) },
  pemToPkcs12: {
    params: ['string', 'string'],
    fn: esoFn((cert: string, key: string) => pemToPkcs12Pass(cert, key, '')),
  },
  pemToPkcs12Pass: { params: ['string', 'string', 'string'], fn: esoFn(pemToPkcs12Pass) },
  fullPemToPkcs12: {
    params: ['string', 'string'],
    fn: esoFn((cert: string, key: string) => fullPemToPkcs12Pass(cert, key, '')),
  },
  fullPemToPkcs12Pass: { params: ['string', 'string', 'string'], fn: esoFn(fullPemToPkcs12Pass) },
  pemTruststoreToPKCS12: { params: ['string'], fn: esoFn((cert: string) => pemTruststoreToPKCS12Pass(cert, '')) },
  pemTruststoreToPKCS12Pass: { params: ['string', 'string'], fn: esoFn(pemTruststoreToPKCS12Pass) },
  filterPEM: { params: ['string', 'string'], fn: esoFn(filterPEM) },
  filterCertChain: { params: ['string', 'string'], fn: esoFn(filterCertChain) },
  // Go's certSANs returns []string, which `printf "%T"` and kindOf/typeOf can tell from []interface {}.
  certSANs: { params: ['string'], fn: esoFn((input: string) => stringSlice(certSANs(input))) },
  jwkPublicKeyPem: { params: ['string'], fn: esoFn(jwkPublicKeyPem) },
  jwkPrivateKeyPem: { params: ['string'], fn: esoFn(jwkPrivateKeyPem) },
  rsaDecrypt: { params: ['string', 'string', 'string', 'string'], fn: esoFn(rsaDecrypt) },
  toYaml: { params: ['any'], fn: toYaml },
  fromYaml: { params: ['string'], fn: fromYaml },
};
