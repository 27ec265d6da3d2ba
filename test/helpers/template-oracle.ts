// Runs the Go template oracle (tools/template-oracle): builds it when Go is installed and talks its JSONL protocol,
// either as one batch (recording, staleness check) or as a long-lived process (fuzzing, shrinking).

import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, resultProblem, type TemplateRequest, type TemplateResult } from './template-corpus.js';

export const oracleDir = join(repoRoot, 'tools', 'template-oracle');

export function goAvailable(): boolean {
  const r = spawnSync('go', ['version'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Builds (or finds in the cache) the oracle binary and returns its path; undefined when Go is not installed.
 * A build failure with Go present throws, because that is a broken oracle, not a missing tool.
 */
export function buildOracle(): string | undefined {
  if (!goAvailable()) return undefined;
  const r = spawnSync('bash', [join(oracleDir, 'build.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status === 3) return undefined;
  if (r.status !== 0) throw new Error(`template-oracle build failed:\n${r.stderr}`);
  const path = r.stdout.trim().split('\n').pop();
  if (!path) throw new Error('template-oracle build printed no path');
  return path;
}

function parseResult(line: string): TemplateResult {
  const value = JSON.parse(line) as unknown;
  const problem = resultProblem(value);
  if (problem !== undefined) throw new Error(`oracle answered something unexpected (${problem}): ${line}`);
  return value as TemplateResult;
}

/** Renders all requests in one oracle run; results are in request order. */
export function runOracleBatch(bin: string, requests: readonly TemplateRequest[]): TemplateResult[] {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const r = spawnSync(bin, [], { input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`template-oracle exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== requests.length) {
    throw new Error(`template-oracle answered ${lines.length} lines for ${requests.length} requests`);
  }
  return lines.map(parseResult);
}

/** A long-lived oracle process answering one request at a time, in order. */
export class OracleProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<{ resolve: (r: TemplateResult) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(bin: string) {
    this.child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (!next) return;
      try {
        next.resolve(parseResult(line));
      } catch (err) {
        next.reject(err as Error);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.failure = new Error(`template-oracle exited (${code ?? signal}) ${stderr}`);
      for (const w of this.waiting.splice(0)) w.reject(this.failure);
    });
  }

  render(request: TemplateRequest): Promise<TemplateResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(JSON.stringify(request) + '\n');
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
