// `--log-level` for the long-running serve commands: parsing and a pino logger on stderr (stdout carries the URL).
import { type Logger, pino } from 'pino';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export function parseLogLevel(value: string): LogLevel {
  if (!(logLevels as readonly string[]).includes(value)) {
    throw new Error(`--log-level must be one of ${logLevels.join(', ')}, not "${value}"`);
  }
  return value as LogLevel;
}

/** A JSON-lines logger writing through `write` (default: stderr); `silent` writes nothing. */
export function serveLogger(
  name: string,
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  return pino({ name, level }, { write });
}
