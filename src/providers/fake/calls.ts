// Call counting for the fake provider: tests assert how often the operator really reads a provider
// (coalescing, no refresh storms) without a mock.
export type FakeMethod =
  | 'newClient'
  | 'getSecret'
  | 'getSecretMap'
  | 'getAllSecrets'
  | 'pushSecret'
  | 'deleteSecret'
  | 'secretExists'
  | 'validate';

export class FakeCallLog {
  private readonly counts = new Map<string, number>();

  record(method: FakeMethod, key: string): void {
    for (const id of [method, `${method}\u0000${key}`]) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** Calls of `method`, optionally only those for one remote key (getAllSecrets: the regexp; newClient: store name). */
  count(method: FakeMethod, key?: string): number {
    return this.counts.get(key === undefined ? method : `${method}\u0000${key}`) ?? 0;
  }

  reset(): void {
    this.counts.clear();
  }
}
