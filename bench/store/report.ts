// The benchmark's results as the Markdown that goes into docs/benchmarks.md.
import type { CryptoOnly } from './crypto-only.js';
import type { PhaseResult } from './load.js';

export interface Measured extends PhaseResult {
  /** CPU milliseconds each server process spent per request during the phase */
  cpuMsPerRequest: { store: string; gateway: string; postgres: string };
  load: string;
}

export interface BackendResult {
  backend: string;
  backendVersion: string;
  items: number;
  seedSeconds: number;
  bulkSeeded: number;
  writes: Measured;
  storeRounds: Measured[];
  describeRounds: Measured[];
  gatewayRounds: Measured[];
  /** Decrypting reads through a second gateway with --store-read-batching false (one store request per read). */
  unbatchedRounds: Measured[];
  store: PhaseResult;
  describe: PhaseResult;
  gateway: PhaseResult;
  unbatched: PhaseResult;
}

export interface Report {
  command: string;
  startedAt: string;
  cpu: string;
  node: string;
  loadBefore: string;
  loadAfter: string;
  concurrency: number;
  seconds: number;
  rounds: number;
  valueBytes: number;
  cryptoOnly: CryptoOnly;
  results: BackendResult[];
}

const n = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (x: number) => n(x, 1);
const errors = (p: PhaseResult) => (p.errors ? ` (${p.errors} errors: ${p.firstError})` : '');

function cpuSum(rounds: Measured[], part: 'store' | 'gateway' | 'postgres'): string {
  const values = rounds.map((r) => Number(r.cpuMsPerRequest[part]));
  if (values.some((v) => Number.isNaN(v))) return '-';
  return n(values.reduce((a, b) => a + b, 0) / values.length, 2);
}

export function formatReport(r: Report): string {
  const lines = [
    `Command: \`${r.command}\``,
    `Started ${r.startedAt}; ${r.cpu}; Node ${r.node}; load average (1/5/15 min) ${r.loadBefore} before, ${r.loadAfter} after.`,
    `Concurrency ${r.concurrency}; reads: ${r.rounds} rounds of ${r.seconds} s per kind, in the order store direct, gateway describe, gateway read (batched store reads, the default), gateway read with --store-read-batching false; values ${r.valueBytes} bytes.`,
    `Crypto only (in the client process, best of 5 samples): openValue ${r.cryptoOnly.openMicros.toFixed(1)} us per read, sealValue ${r.cryptoOnly.sealMicros.toFixed(1)} us per write.`,
    '',
    '| backend | items | store direct: reads/s, p50 / p99 ms | gateway, no decryption (describe) | gateway read with decryption | same, unbatched | direct / decrypting | direct / unbatched | describe / decrypting |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const cell = (p: PhaseResult) => `${n(p.perSecond)}, ${ms(p.p50Ms)} / ${ms(p.p99Ms)}${errors(p)}`;
  for (const b of r.results) {
    lines.push(
      `| ${b.backend} | ${n(b.items)} | ${cell(b.store)} | ${cell(b.describe)} | ${cell(b.gateway)} | ${cell(b.unbatched)} | ${(b.store.perSecond / b.gateway.perSecond).toFixed(2)} | ${(b.store.perSecond / b.unbatched.perSecond).toFixed(2)} | ${(b.describe.perSecond / b.gateway.perSecond).toFixed(2)} |`,
    );
  }
  lines.push(
    '',
    '| backend | items | server CPU ms per read: store direct | describe: store + gateway | decrypting: store + gateway | unbatched: store + gateway | gateway writes/s, p50 / p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const b of r.results) {
    const pg = (rounds: Measured[]) => (b.backend === 'postgres' ? ` + pg ${cpuSum(rounds, 'postgres')}` : '');
    const both = (rounds: Measured[]) => `${cpuSum(rounds, 'store')} + ${cpuSum(rounds, 'gateway')}${pg(rounds)}`;
    lines.push(
      `| ${b.backend} | ${n(b.items)} | ${cpuSum(b.storeRounds, 'store')}${pg(b.storeRounds)} | ${both(b.describeRounds)} | ${both(b.gatewayRounds)} | ${both(b.unbatchedRounds)} | ${cell(b.writes)} |`,
    );
  }
  lines.push(
    '',
    'Per round, reads/s store direct / describe / decrypting / unbatched (load average after the round):',
    '',
  );
  for (const b of r.results) {
    const rounds = b.storeRounds.map(
      (s, i) =>
        `${n(s.perSecond)} / ${n(b.describeRounds[i]?.perSecond ?? Number.NaN)} / ${n(b.gatewayRounds[i]?.perSecond ?? Number.NaN)} / ${n(b.unbatchedRounds[i]?.perSecond ?? Number.NaN)} (load ${b.unbatchedRounds[i]?.load})`,
    );
    const seeding = b.bulkSeeded ? `; ${n(b.bulkSeeded)} items bulk-seeded in ${n(b.seedSeconds, 1)} s` : '';
    lines.push(
      `- ${b.backend} (${b.backendVersion}), ${n(b.items)} items: ${rounds.join('; ')}; ${n(b.writes.requests)} gateway writes in ${n(b.writes.seconds, 1)} s${seeding}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
