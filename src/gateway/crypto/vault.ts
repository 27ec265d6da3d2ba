// The running gateway's hold on its customer fragments: sealed until the unseal key arrives (a key file at start,
// or a threshold of Shamir shares one by one), then the keyring in memory. The keyring is re-read when the file
// changes on disk, so `custos fragment rotate` takes effect without a restart.
import { statSync } from 'node:fs';
import { DecryptionError, MalformedError, SealedError } from './errors.js';
import type { CustomerKeyring } from './keyring.js';
import { openKeyring, readFragmentFile, type SealDescriptor } from './sealed-file.js';
import { combineShares, parseShare } from './unseal-key.js';

export interface VaultStatus {
  sealed: boolean;
  seal: SealDescriptor;
  /** Shares received toward the threshold (Shamir seal only). */
  progress: number;
  generations: number[];
}

export class FragmentVault {
  #unsealKey: Buffer | undefined;
  #keyring: CustomerKeyring | undefined;
  #loadedMtimeMs = 0;
  #pending: Buffer[] = [];

  constructor(readonly filePath: string) {
    readFragmentFile(filePath); // fail at start on a missing or malformed file, not at the first request
  }

  status(): VaultStatus {
    const file = readFragmentFile(this.filePath);
    return {
      sealed: this.#keyring === undefined,
      seal: file.seal,
      progress: this.#pending.length,
      generations: file.generations,
    };
  }

  /** Unseals with the whole key; throws DecryptionError if it is not the key this file was sealed with. */
  unsealWithKey(key: Buffer): void {
    this.#load(key);
    this.#unsealKey = key;
  }

  /** Adds one share; unseals once the threshold is reached. Wrong shares reset progress with a clear error. */
  async submitShare(text: string): Promise<VaultStatus> {
    const file = readFragmentFile(this.filePath);
    if (file.seal.type !== 'shamir') {
      throw new MalformedError(
        'this fragment file is sealed with a key file, not shares: start with --unseal-key-file',
      );
    }
    if (this.#keyring) return this.status();
    const share = parseShare(text);
    if (!this.#pending.some((p) => p.equals(share))) this.#pending.push(share);
    if (this.#pending.length >= file.seal.threshold) {
      const shares = this.#pending;
      this.#pending = [];
      try {
        this.unsealWithKey(await combineShares(shares));
      } catch {
        throw new DecryptionError(
          'the submitted shares do not rebuild the unseal key of this fragment file; progress was reset, ' +
            'submit shares printed by `custos fragment init` for this gateway',
        );
      } finally {
        for (const s of shares) s.fill(0);
      }
    }
    return this.status();
  }

  seal(): void {
    this.#unsealKey?.fill(0);
    this.#unsealKey = undefined;
    this.#keyring = undefined;
    this.#pending = [];
  }

  /** The keyring, re-read if the file changed since it was loaded. Throws SealedError while sealed. */
  keyring(): CustomerKeyring {
    if (!this.#unsealKey || !this.#keyring) throw new SealedError();
    const mtime = statSync(this.filePath, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime !== undefined && mtime !== this.#loadedMtimeMs) this.#load(this.#unsealKey);
    return this.#keyring;
  }

  /** The unseal key, for re-sealing the keyring after a rotation in this process. */
  unsealKey(): Buffer {
    if (!this.#unsealKey) throw new SealedError();
    return this.#unsealKey;
  }

  #load(key: Buffer): void {
    const mtime = statSync(this.filePath).mtimeMs;
    this.#keyring = openKeyring(readFragmentFile(this.filePath), key);
    this.#loadedMtimeMs = mtime;
  }
}
