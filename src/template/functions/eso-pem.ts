// ESO's PEM helpers: filterPEM (blocks of one type), filterCertChain (leaf, intermediates or root of a chain),
// certSANs (a certificate's subject alternative names), and the chain ordering pkcs12cert shares.

import { goStringToBytes } from './crypto-bytes.js';
import { pemDecode, pemEncode } from './crypto-pem-codec.js';
import { type ParsedCertificate, parseCertificate } from './crypto-x509.js';

export class EsoPemError extends Error {}

/** Everything before the first "-----BEGIN" is dropped, as pem.Decode did before Go fixed golang/go#76124. */
function trimJunk(input: string): string {
  const at = input.indexOf('-----BEGIN');
  return at < 0 ? input : input.slice(at);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b || (a?.length ?? 0) + (b?.length ?? 0) === 0;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function certificatePem(der: Uint8Array): string {
  return pemEncode({ type: 'CERTIFICATE', bytes: der });
}

export function filterPEM(pemType: string, input: string): string {
  let data = goStringToBytes(trimJunk(input));
  let out = '';
  let rest = data;
  for (;;) {
    const [block, after] = pemDecode(data);
    rest = after;
    data = after;
    if (block === undefined) break;
    if (!equalFold(block.type, pemType)) continue;
    out += pemEncode(block);
  }
  if (out === '' && rest.length !== 0) throw new EsoPemError('error filtering pem: found junk');
  return out;
}

/** strings.EqualFold, close enough for PEM block types (simple case folding both ways). */
function equalFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

/** ESO's fetchX509CertChains: leaf first, each certificate followed by the one whose key signed it. */
export function orderCertChain(data: Uint8Array): ParsedCertificate[] {
  const certs: ParsedCertificate[] = [];
  let rest = data;
  for (;;) {
    const [block, after] = pemDecode(rest);
    rest = after;
    if (block === undefined) break;
    certs.push(parseCertificate(block.bytes));
  }
  const parent: (number | undefined)[] = certs.map(() => undefined);
  const isParent = certs.map(() => false);
  for (let i = 0; i < certs.length; i++) {
    for (let j = 0; j < certs.length; j++) {
      if (i === j) continue;
      if (sameBytes((certs[i] as ParsedCertificate).authorityKeyId, (certs[j] as ParsedCertificate).subjectKeyId)) {
        isParent[j] = true;
        parent[i] = j;
        break;
      }
    }
  }
  let leaf: number | undefined;
  for (let i = 0; i < certs.length; i++) {
    if (!isParent[i]) {
      if (leaf !== undefined) throw new EsoPemError('found multiple leaf or disjunct certificates');
      leaf = i;
    }
  }
  if (leaf === undefined) throw new EsoPemError('no leaf certificate found');
  const chain: ParsedCertificate[] = [];
  for (let at: number | undefined = leaf; at !== undefined; at = parent[at]) {
    if (chain.length >= certs.length) throw new EsoPemError('constructing chain resulted in cycle');
    chain.push(certs[at] as ParsedCertificate);
  }
  return chain;
}

function isRoot(cert: ParsedCertificate): boolean {
  return cert.authorityKeyId === undefined || sameBytes(cert.authorityKeyId, cert.subjectKeyId);
}

export function filterCertChain(certType: string, input: string): string {
  const ordered = orderCertChain(goStringToBytes(input));
  switch (certType) {
    case 'leaf': {
      const cert = ordered[0] as ParsedCertificate;
      if (cert.authorityKeyId !== undefined && !sameBytes(cert.authorityKeyId, cert.subjectKeyId)) {
        return certificatePem(cert.raw);
      }
      return '';
    }
    case 'intermediate': {
      if (ordered.length < 2) return '';
      let out = '';
      for (const cert of ordered.slice(1)) {
        if (isRoot(cert)) break;
        out += certificatePem(cert.raw);
      }
      return out;
    }
    case 'root': {
      const cert = ordered[ordered.length - 1] as ParsedCertificate;
      return isRoot(cert) ? certificatePem(cert.raw) : '';
    }
    default:
      return '';
  }
}

export function certSANs(input: string): string[] {
  const [block] = pemDecode(goStringToBytes(trimJunk(input)));
  if (block === undefined) throw new EsoPemError('failed to decode PEM block');
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(block.bytes);
  } catch (e) {
    throw new EsoPemError(`failed to parse certificate: ${(e as Error).message}`);
  }
  return [...cert.dnsNames, ...cert.ipAddresses, ...cert.emailAddresses, ...cert.uris];
}
