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
  gatewayRounds: Measured[];
  store: PhaseResult;
  gateway: PhaseResult;
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
    `Concurrency ${r.concurrency}; reads: ${r.rounds} rounds of ${r.seconds} s per side, alternating store / gateway; values ${r.valueBytes} bytes.`,
    `Crypto only (in the client process, best of 5 samples): openValue ${r.cryptoOnly.openMicros.toFixed(1)} us per read, sealValue ${r.cryptoOnly.sealMicros.toFixed(1)} us per write.`,
    '',
    '| backend | items | store direct reads/s | p50 / p99 ms | gateway reads/s (decrypting) | p50 / p99 ms | throughput ratio | p50 ratio | server CPU ms per read, direct: store (+pg) | gateway read: store + gateway (+pg) | gateway writes/s | write p50 / p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const b of r.results) {
    const pg = (rounds: Measured[]) => (b.backend === 'postgres' ? ` (+${cpuSum(rounds, 'postgres')})` : '');
    lines.push(
      `| ${b.backend} | ${n(b.items)} | ${n(b.store.perSecond)}${errors(b.store)} | ${ms(b.store.p50Ms)} / ${ms(b.store.p99Ms)} | ${n(b.gateway.perSecond)}${errors(b.gateway)} | ${ms(b.gateway.p50Ms)} / ${ms(b.gateway.p99Ms)} | ${(b.store.perSecond / b.gateway.perSecond).toFixed(2)} | ${(b.gateway.p50Ms / b.store.p50Ms).toFixed(2)} | ${cpuSum(b.storeRounds, 'store')}${pg(b.storeRounds)} | ${cpuSum(b.gatewayRounds, 'store')} + ${cpuSum(b.gatewayRounds, 'gateway')}${pg(b.gatewayRounds)} | ${n(b.writes.perSecond)}${errors(b.writes)} | ${ms(b.writes.p50Ms)} / ${ms(b.writes.p99Ms)} |`,
    );
  }
  lines.push('', 'Per round (reads/s, store direct vs gateway; load average during the round):', '');
  for (const b of r.results) {
    const rounds = b.storeRounds.map(
      (s, i) =>
        `${n(s.perSecond)} vs ${n(b.gatewayRounds[i]?.perSecond ?? Number.NaN)} (load ${b.gatewayRounds[i]?.load})`,
    );
    const seeding = b.bulkSeeded ? `; ${n(b.bulkSeeded)} items bulk-seeded in ${n(b.seedSeconds, 1)} s` : '';
    lines.push(
      `- ${b.backend} (${b.backendVersion}), ${n(b.items)} items: ${rounds.join('; ')}; ${n(b.writes.requests)} gateway writes in ${n(b.writes.seconds, 1)} s${seeding}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
