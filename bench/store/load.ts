// A closed-loop HTTP load generator: `concurrency` workers each send one request, wait for the answer, send the
// next. Keep-alive connections (one per worker), latency per request from hrtime, throughput over the wall time.
import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: Agent;
  constructor(
    private readonly base: string,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  send(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Reply> {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {};
    if (payload) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.base), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface PhaseResult {
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** every latency in ms, sorted */
  latencies: Float64Array;
}

/** One operation: resolves to undefined when it succeeded, or a short description of what went wrong. */
export type Operation = (n: number) => Promise<string | undefined>;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Runs `operation` from `concurrency` workers until `count` operations were started or `seconds` have passed. */
export async function runPhase(
  operation: Operation,
  limits: { concurrency: number; count?: number; seconds?: number },
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = process.hrtime.bigint();
  const deadline = limits.seconds === undefined ? undefined : t0 + BigInt(Math.round(limits.seconds * 1e9));
  const more = () =>
    (limits.count === undefined || started < limits.count) &&
    (deadline === undefined || process.hrtime.bigint() < deadline);
  const worker = async () => {
    while (more()) {
      const n = started++;
      const begin = process.hrtime.bigint();
      let failure: string | undefined;
      try {
        failure = await operation(n);
      } catch (error) {
        failure = (error as Error).message;
      }
      latencies.push(Number(process.hrtime.bigint() - begin) / 1e6);
      if (failure !== undefined) {
        errors++;
        firstError ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return summarize([Float64Array.from(latencies)], seconds, errors, firstError);
}

/** Merges phases (e.g. the rounds of one configuration) into one result over their combined time. */
export function combine(phases: PhaseResult[]): PhaseResult {
  const seconds = phases.reduce((sum, p) => sum + p.seconds, 0);
  const errors = phases.reduce((sum, p) => sum + p.errors, 0);
  return summarize(
    phases.map((p) => p.latencies),
    seconds,
    errors,
    phases.find((p) => p.firstError)?.firstError,
  );
}

function summarize(parts: Float64Array[], seconds: number, errors: number, firstError?: string): PhaseResult {
  const sorted = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    sorted.set(p, offset);
    offset += p.length;
  }
  sorted.sort();
  return {
    requests: sorted.length,
    errors,
    firstError,
    seconds,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    latencies: sorted,
  };
}
