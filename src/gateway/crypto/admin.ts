// Offline fragment administration on a config dir: create the first generation (printing shares once), and add a
// generation during rotation. Both need the unseal key; neither talks to the network.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedError } from './errors.js';
import { CustomerKeyring } from './keyring.js';
import {
  fragmentFileName,
  openKeyring,
  readFragmentFile,
  type SealDescriptor,
  sealKeyring,
  writeFragmentFile,
} from './sealed-file.js';
import { newUnsealKey, splitUnsealKey, validateShamirParameters, writeUnsealKeyFile } from './unseal-key.js';

export type InitSeal = { type: 'key-file'; keyFile: string } | { type: 'shamir'; shares: number; threshold: number };

export interface InitResult {
  fragmentFile: string;
  /** Shamir shares, base64; shown once and never stored. */
  shares?: string[];
  keyFile?: string;
}

export function fragmentFilePath(configDir: string): string {
  return join(configDir, fragmentFileName);
}

export async function initFragments(configDir: string, seal: InitSeal, generation = 1): Promise<InitResult> {
  const path = fragmentFilePath(configDir);
  if (existsSync(path)) {
    throw new MalformedError(`${path} already exists; refusing to replace a customer fragment (data would be lost)`);
  }
  if (seal.type === 'shamir') validateShamirParameters(seal.shares, seal.threshold);
  if (seal.type === 'key-file' && existsSync(seal.keyFile)) {
    throw new MalformedError(`${seal.keyFile} already exists; choose a new path for the unseal key file`);
  }
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const key = newUnsealKey();
  try {
    const descriptor: SealDescriptor =
      seal.type === 'shamir'
        ? { type: 'shamir', shares: seal.shares, threshold: seal.threshold }
        : { type: 'key-file' };
    const shares = seal.type === 'shamir' ? await splitUnsealKey(key, seal.shares, seal.threshold) : undefined;
    if (seal.type === 'key-file') writeUnsealKeyFile(seal.keyFile, key);
    writeFragmentFile(path, sealKeyring(CustomerKeyring.create(generation), key, descriptor));
    return seal.type === 'shamir' ? { fragmentFile: path, shares } : { fragmentFile: path, keyFile: seal.keyFile };
  } finally {
    key.fill(0);
  }
}

/** Adds `generation` (the store's new generation) to the sealed keyring in `configDir`. */
export function addFragmentGeneration(configDir: string, unsealKey: Buffer, generation: number): number[] {
  const path = fragmentFilePath(configDir);
  const file = readFragmentFile(path);
  const next = openKeyring(file, unsealKey).withNewGeneration(generation);
  writeFragmentFile(path, sealKeyring(next, unsealKey, file.seal));
  return next.generations();
}
