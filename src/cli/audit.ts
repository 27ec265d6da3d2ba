// `custos audit tail|verify`: the store's hash-chained audit log, read through the gateway (system capability
// `audit`). Entries hold actors, actions, paths and outcomes; never values, tokens or keys.
import type { Command } from 'commander';
import { adminCall } from './admin-calls.js';
import { CliError, type Target } from './api-client.js';
import { addOutputOption, outputFormat, renderTable, writeJson } from './output.js';
import { addProfileOption, session } from './session.js';

interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  path: string;
  outcome: string;
  detail: Record<string, unknown>;
}

type Verdict =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; firstBadSeq: number; reason: string };

const page = (target: Target, from: number, limit: number) =>
  adminCall<{ entries: AuditEntry[] }>(target, 'GET', '/v1/audit', { query: { from, limit } }).then((r) => r.entries);

/** The highest sequence number: doubling probes then a binary search, so a long log costs a few calls. */
async function lastSeq(target: Target): Promise<number> {
  let low = 0;
  let high = 1;
  while ((await page(target, high, 1)).length > 0) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if ((await page(target, mid, 1)).length > 0) low = mid;
    else high = mid;
  }
  return low;
}

const headers = ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'PATH', 'OUTCOME'];
const row = (e: AuditEntry) => [e.seq, e.at, e.actor, e.action, e.path, e.outcome];

function positive(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${flag} must be a whole number >= 1`);
    return Number(value);
  };
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description("the store's tamper-evident audit log (system capability audit)");

  addOutputOption(addProfileOption(audit.command('tail')))
    .description('show the latest audit entries')
    .option('-n, --lines <n>', 'how many entries', positive('--lines'), 20)
    .option('-f, --follow', 'keep printing new entries until interrupted')
    .option('--interval <seconds>', 'poll interval with --follow', positive('--interval'), 2)
    .action(async (o: { lines: number; follow?: boolean; interval: number; profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const target = session(o);
      const last = await lastSeq(target);
      const from = Math.max(1, last - o.lines + 1);
      const entries = last === 0 ? [] : await page(target, from, Math.min(o.lines, 5000));
      const print = (list: AuditEntry[], withHeader: boolean) => {
        if (format === 'json') {
          for (const e of list) process.stdout.write(`${JSON.stringify(e)}\n`);
          return;
        }
        const text = renderTable(headers, list.map(row));
        process.stdout.write(withHeader ? text : text.split('\n').slice(1).join('\n'));
      };
      if (!o.follow) {
        if (format === 'json') writeJson({ entries });
        else print(entries, true);
        return;
      }
      print(entries, true);
      let next = (entries.at(-1)?.seq ?? last) + 1;
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      while (!stopped) {
        await new Promise((r) => setTimeout(r, o.interval * 1000));
        // Each poll is itself audited; those entries show up in the next poll, as they should.
        const fresh = await page(target, next, 1000);
        if (fresh.length > 0) {
          print(fresh, false);
          next = fresh.at(-1)!.seq + 1;
        }
      }
    });

  addOutputOption(addProfileOption(audit.command('verify')))
    .description('check the hash chain; exits 1 and names the first altered entry on tampering')
    .action(async (o: { profile?: string; output: string }) => {
      const format = outputFormat(o.output);
      const verdict = await adminCall<Verdict>(session(o), 'GET', '/v1/audit/verify');
      if (format === 'json') writeJson(verdict);
      else if (verdict.ok)
        process.stdout.write(`audit log intact: ${verdict.entries} entries, head ${verdict.headHash}\n`);
      else process.stdout.write(`audit log TAMPERED at entry ${verdict.firstBadSeq}: ${verdict.reason}\n`);
      if (!verdict.ok) process.exitCode = 1;
    });
}
