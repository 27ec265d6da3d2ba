// Adaptive batching of item reads from the gateway to the store, per caller token. While few reads of a token are
// on their way, each goes at once as a single read (no added latency when idle); once `maxInFlight` requests of that
// token are out, further reads wait and leave together as one batch request when a slot frees. Under load the
// store then sees a few requests carrying many reads, instead of one HTTP exchange per read.
// Each caller gets exactly its own answer or its own error; a batch that fails as a whole fails all its callers.
// The transport (StoreClient) does the HTTP; this module only decides what travels together.

export interface ItemRead {
  path: string;
  version?: number;
  /** a description (no ciphertext, no share) instead of the full record */
  describe?: boolean;
}

/** One read's answer inside a batch: its value or the error the single read would have given. */
export type ReadOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

export interface ReadTransport {
  single(token: string, read: ItemRead): Promise<unknown>;
  /**
   * Exactly one answer per read, in order; `unsupported` when the store has no batch endpoint (an older store);
   * rejects when the request as a whole failed (unreachable, timeout, refused token).
   */
  batch(token: string, reads: ItemRead[]): Promise<ReadOutcome[] | 'unsupported'>;
}

export interface ReadBatcherOptions {
  /** requests of one token in flight before reads start waiting to be batched (default 4) */
  maxInFlight?: number;
  /** most reads in one batch request (default 32; the store accepts up to 64) */
  maxBatch?: number;
}

interface Waiting {
  read: ItemRead;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Lane {
  inFlight: number;
  queue: Waiting[];
}

export class ReadBatcher {
  readonly #transport: ReadTransport;
  readonly #maxInFlight: number;
  readonly #maxBatch: number;
  /** keyed by token; a lane exists only while its token has reads in flight or waiting */
  readonly #lanes = new Map<string, Lane>();
  #batchesUnsupported = false;

  constructor(transport: ReadTransport, options: ReadBatcherOptions = {}) {
    this.#transport = transport;
    this.#maxInFlight = positiveInteger('maxInFlight', options.maxInFlight ?? 4);
    this.#maxBatch = Math.min(64, positiveInteger('maxBatch', options.maxBatch ?? 32));
  }

  /** Whether batch requests are still tried (false once the store turned out not to know them). */
  get batching(): boolean {
    return !this.#batchesUnsupported;
  }

  read(token: string, read: ItemRead): Promise<unknown> {
    if (this.#batchesUnsupported) return this.#transport.single(token, read);
    let lane = this.#lanes.get(token);
    if (!lane) {
      lane = { inFlight: 0, queue: [] };
      this.#lanes.set(token, lane);
    }
    if (lane.inFlight < this.#maxInFlight) return this.#sendSingle(token, lane, read);
    return new Promise((resolve, reject) => lane.queue.push({ read, resolve, reject }));
  }

  async #sendSingle(token: string, lane: Lane, read: ItemRead): Promise<unknown> {
    lane.inFlight++;
    try {
      return await this.#transport.single(token, read);
    } finally {
      lane.inFlight--;
      this.#drain(token, lane);
    }
  }

  /** Sends what waits, one request per free slot; a lone waiting read goes as a single read. */
  #drain(token: string, lane: Lane): void {
    while (lane.queue.length > 0 && (this.#batchesUnsupported || lane.inFlight < this.#maxInFlight)) {
      const group = lane.queue.splice(0, this.#batchesUnsupported ? lane.queue.length : this.#maxBatch);
      if (this.#batchesUnsupported || group.length === 1) {
        for (const w of group) this.#sendSingle(token, lane, w.read).then(w.resolve, w.reject);
      } else {
        void this.#sendBatch(token, lane, group);
      }
    }
    if (lane.inFlight === 0 && lane.queue.length === 0 && this.#lanes.get(token) === lane) this.#lanes.delete(token);
  }

  async #sendBatch(token: string, lane: Lane, group: Waiting[]): Promise<void> {
    lane.inFlight++;
    let answer: ReadOutcome[] | 'unsupported' | undefined;
    let failure: unknown;
    try {
      answer = await this.#transport.batch(
        token,
        group.map((w) => w.read),
      );
    } catch (error) {
      failure = error;
    } finally {
      lane.inFlight--;
    }
    if (answer === 'unsupported') {
      // An older store: from now on every read goes alone, these ones first.
      this.#batchesUnsupported = true;
      lane.queue.unshift(...group);
    } else if (answer === undefined) {
      for (const w of group) w.reject(failure);
    } else {
      const outcomes = answer;
      group.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) w.resolve(outcome.value);
        else w.reject(outcome?.error ?? new Error('the batch answer has no result for this read'));
      });
    }
    this.#drain(token, lane);
    if (this.#batchesUnsupported) for (const [t, other] of [...this.#lanes]) this.#drain(t, other);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`read batching: ${name} must be a whole number >= 1`);
  return value;
}
