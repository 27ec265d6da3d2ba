// Reads credential files (token, CA, client certificate and key) and keeps each for a minute, like client-go's
// cached token file source: rotated files are picked up without reading them on every request.
import { readFileSync } from 'node:fs';

const defaultTtlMs = 60_000;

export class CredentialFiles {
  readonly #entries = new Map<string, { content: Buffer; readAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = defaultTtlMs,
  ) {}

  /** The file's bytes; `purpose` names the field in errors (e.g. `client-key of user "u" in FILE`). */
  read(path: string, purpose: string): Buffer {
    const cached = this.#entries.get(path);
    if (cached && this.now() - cached.readAt < this.ttlMs) return cached.content;
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new Error(`cannot read ${purpose} from ${path} (${code}); fix the path or the file's permissions`);
    }
    this.#entries.set(path, { content, readAt: this.now() });
    return content;
  }

  clear(): void {
    this.#entries.clear();
  }
}
