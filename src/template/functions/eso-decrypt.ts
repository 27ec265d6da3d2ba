// ESO's rsaDecrypt(scheme, hash, ciphertext, privateKeyPEM): "None" passes the input through; "RSA-OAEP"
// decrypts with OAEP (SHA1, SHA256 or SHA512; anything else means SHA256) and no label.

import { constants, privateDecrypt } from 'node:crypto';
import { bytesToGoString, goStringToBytes } from './crypto-bytes.js';
import { parseAnyPrivateKeyDer } from './crypto-keys.js';
import { pemDecode } from './crypto-pem-codec.js';

export class RsaDecryptError extends Error {}

const OAEP_HASHES: Readonly<Record<string, string>> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export function rsaDecrypt(scheme: string, hash: string, input: string, privateKey: string): string {
  switch (scheme) {
    case 'None':
      return input;
    case 'RSA-OAEP': {
      const [block] = pemDecode(goStringToBytes(privateKey));
      if (block === undefined) throw new RsaDecryptError('failed to decode PEM block');
      const key = parseAnyPrivateKeyDer(block.bytes);
      if (key === undefined) throw new RsaDecryptError('could not parse private key: unable to parse private key type');
      if (key.kind !== 'rsa') throw new RsaDecryptError('could not parse RSA private key');
      let plain: Buffer;
      try {
        plain = privateDecrypt(
          { key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASHES[hash] ?? 'sha256' },
          goStringToBytes(input),
        );
      } catch {
        throw new RsaDecryptError('error decrypting data with RSA: crypto/rsa: decryption error');
      }
      return bytesToGoString(plain);
    }
    default:
      throw new RsaDecryptError(`decryption scheme ${scheme} is not supported`);
  }
}
