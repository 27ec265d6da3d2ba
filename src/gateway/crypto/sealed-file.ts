// The customer fragments at rest: one JSON file in the gateway's config dir, the keyring sealed with AES-256-GCM
// under the unseal key. The clear header (seal type, generation numbers) is bound as associated data, so editing it
// makes the file fail to open. This file and the config are all the gateway ever writes to disk.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { aeadOpen, aeadSeal } from './aead.js';
import { DecryptionError, MalformedError } from './errors.js';
import { CustomerKeyring } from './keyring.js';

export const fragmentFileName = 'fragments.json';

export type SealDescriptor = { type: 'key-file' } | { type: 'shamir'; threshold: number; shares: number };

export interface SealedFragmentFile {
  kind: 'custos-customer-fragments';
  v: 1;
  seal: SealDescriptor;
  generations: number[];
  iv: string;
  ct: string;
}

const header = (file: Pick<SealedFragmentFile, 'seal' | 'generations'>) =>
  Buffer.from(`custos/fragments/v1|${JSON.stringify({ seal: file.seal, generations: file.generations })}`, 'utf8');

export function sealKeyring(keyring: CustomerKeyring, unsealKey: Uint8Array, seal: SealDescriptor): SealedFragmentFile {
  const generations = keyring.generations();
  const body = JSON.stringify({
    generations: keyring.list().map((g) => ({
      generation: g.generation,
      fragment: g.fragment.toString('base64'),
      createdAt: g.createdAt,
    })),
  });
  const sealed = aeadSeal(unsealKey, Buffer.from(body, 'utf8'), header({ seal, generations }));
  return {
    kind: 'custos-customer-fragments',
    v: 1,
    seal,
    generations,
    iv: sealed.iv.toString('base64'),
    ct: sealed.ct.toString('base64'),
  };
}

/** Throws DecryptionError when the key is wrong or the file was altered. */
export function openKeyring(file: SealedFragmentFile, unsealKey: Uint8Array): CustomerKeyring {
  const plain = aeadOpen(
    unsealKey,
    { iv: Buffer.from(file.iv, 'base64'), ct: Buffer.from(file.ct, 'base64') },
    header(file),
    'the customer fragment file',
  );
  try {
    const body = JSON.parse(plain.toString('utf8')) as {
      generations: { generation: number; fragment: string; createdAt: string }[];
    };
    return new CustomerKeyring(
      body.generations.map((g) => ({
        generation: g.generation,
        fragment: Buffer.from(g.fragment, 'base64'),
        createdAt: g.createdAt,
      })),
    );
  } finally {
    plain.fill(0);
  }
}

export function parseFragmentFile(text: string, source: string): SealedFragmentFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedError(`${source} is not JSON; it should be the file \`custos fragment init\` wrote`);
  }
  const f = value as Partial<SealedFragmentFile>;
  const sealOk =
    f.seal?.type === 'key-file' ||
    (f.seal?.type === 'shamir' && Number.isInteger(f.seal.threshold) && Number.isInteger(f.seal.shares));
  if (
    f?.kind !== 'custos-customer-fragments' ||
    f.v !== 1 ||
    !sealOk ||
    !Array.isArray(f.generations) ||
    typeof f.iv !== 'string' ||
    typeof f.ct !== 'string'
  ) {
    throw new MalformedError(`${source} is not a custos customer fragment file (kind custos-customer-fragments, v 1)`);
  }
  return f as SealedFragmentFile;
}

export function readFragmentFile(path: string): SealedFragmentFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MalformedError(
      `cannot read the customer fragment file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); ` +
        'create one with `custos fragment init --config-dir <dir>`',
    );
  }
  return parseFragmentFile(text, path);
}

/** Writes atomically (temp file + rename), owner-only, so a crash never leaves half a fragment file. */
export function writeFragmentFile(path: string, file: SealedFragmentFile): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

export { DecryptionError };
