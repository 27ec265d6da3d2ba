// Output for people (aligned tables, key: value blocks) and for scripts (-o json), shared by the CLI commands.
import type { Command } from 'commander';

export type OutputFormat = 'table' | 'json';

export function addOutputOption(command: Command): Command {
  return command.option('-o, --output <format>', 'table (for people) or json (for scripts)', 'table');
}

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'table' || value === 'text') return 'table';
  if (value === 'json') return 'json';
  throw new Error(`-o must be "table" or "json", not "${value}"`);
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Control characters in server-provided text could rewrite the terminal; show them escaped. */
function cell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderTable(headers: string[], rows: unknown[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return `${cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export function writeTable(headers: string[], rows: unknown[][]): void {
  process.stdout.write(renderTable(headers, rows));
}

export function writeFields(fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  process.stdout.write(fields.map(([k, v]) => `${`${k}:`.padEnd(width)} ${cell(v)}`).join('\n') + '\n');
}
