// The gateway's change feed (`GET /v1/events`, server-sent events relayed from the store) as a provider Watch.
// One stream per watch, on the longest path prefix the refs share; changes are matched to the refs here. The
// stream ends when the store token expires or the gateway goes away: the watch reconnects with exponential
// backoff and resumes with `since` = the last sequence number it saw, so nothing between is lost (changes before
// the first event of a fresh watch are covered by the operator's polling).
import type { IncomingMessage } from 'node:http';
import type { RemoteChange, Watch, WatchOptions, WatchRef } from '../contract.js';
import type { CustosSession } from './session.js';

export interface FeedTiming {
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** No byte (not even the 15 s keepalive) for this long means the connection is dead. */
  idleTimeoutMs: number;
}

export const DEFAULT_FEED_TIMING: FeedTiming = { initialBackoffMs: 250, maxBackoffMs: 30_000, idleTimeoutMs: 45_000 };

/** "/a/b" and "a/b/" both become "/a/b"; "" and "/" become "/". */
export function normalizePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '/';
}

/** The longest whole-segment prefix shared by every ref, which the stream is opened on. */
export function sharedPrefix(refs: WatchRef[]): string {
  let common: string[] | undefined;
  for (const ref of refs) {
    const segments = normalizePath(ref.key ?? ref.path ?? '')
      .split('/')
      .filter(Boolean);
    if (!common) common = segments;
    else {
      let i = 0;
      while (i < common.length && i < segments.length && common[i] === segments[i]) i++;
      common = common.slice(0, i);
    }
  }
  return `/${(common ?? []).join('/')}`;
}

export function refMatches(ref: WatchRef, path: string): boolean {
  if (ref.key !== undefined) return normalizePath(ref.key) === path;
  const prefix = normalizePath(ref.path ?? '');
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

interface SseEvent {
  event: string;
  data: string;
}

/** Splits a server-sent-events byte stream into events (comments such as keepalives are dropped). */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string, emit: (event: SseEvent) => void): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      if (line === '') {
        if (this.data.length > 0) emit({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') this.event = value;
        else if (field === 'data') this.data.push(value);
      }
    }
  }
}

function parseChange(data: string): (RemoteChange & { seq: number }) | undefined {
  try {
    const c = JSON.parse(data) as { seq?: unknown; path?: unknown; version?: unknown; op?: unknown };
    if (typeof c.seq !== 'number' || typeof c.path !== 'string') return undefined;
    const op = c.op === 'create' || c.op === 'delete' ? c.op : 'update';
    return { seq: c.seq, key: c.path, op, version: typeof c.version === 'number' ? c.version : undefined };
  } catch {
    return undefined;
  }
}

export class ChangeFeedWatch implements Watch {
  private closed = false;
  private since: number | undefined;
  private abortStream: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private readonly prefix: string;
  private readonly done: Promise<void>;

  constructor(
    private readonly session: CustosSession,
    private readonly refs: WatchRef[],
    private readonly onChange: (change: RemoteChange) => void,
    private readonly options: WatchOptions = {},
    private readonly timing: FeedTiming = DEFAULT_FEED_TIMING,
    private readonly onClosed: () => void = () => {},
  ) {
    this.prefix = sharedPrefix(refs);
    this.done = this.run();
  }

  private report(error: unknown): void {
    if (this.closed) return;
    try {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // a failing error handler must not stop the watch
    }
  }

  private async run(): Promise<void> {
    let backoff = this.timing.initialBackoffMs;
    while (!this.closed) {
      try {
        const { stream, abort } = await this.session.openEvents(this.prefix, this.since);
        this.abortStream = abort;
        if (this.closed) abort();
        backoff = this.timing.initialBackoffMs;
        await this.consume(stream, abort);
      } catch (error) {
        this.report(error);
      } finally {
        this.abortStream = undefined;
      }
      if (this.closed) break;
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, this.timing.maxBackoffMs);
    }
  }

  /** Reads the stream until it ends; resolves either way (the caller reconnects). */
  private consume(stream: IncomingMessage, abort: () => void): Promise<void> {
    const parser = new SseParser();
    return new Promise<void>((resolve) => {
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          this.report(new Error(`the change feed of ${this.session.endpoint.baseUrl} went silent; reconnecting`));
          abort();
        }, this.timing.idleTimeoutMs);
        idle.unref();
      };
      const finish = () => {
        clearTimeout(idle);
        resolve();
      };
      arm();
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        arm();
        parser.push(chunk, (event) => this.dispatch(event));
      });
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
  }

  private dispatch(event: SseEvent): void {
    if (event.event !== 'change') return;
    const change = parseChange(event.data);
    if (!change) return;
    this.since = change.seq;
    if (!this.refs.some((ref) => refMatches(ref, change.key))) return;
    try {
      this.onChange({ key: change.key, op: change.op, version: change.version });
    } catch (error) {
      this.report(error);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.abortStream?.();
      this.wake?.();
      this.onClosed();
    }
    await this.done;
  }
}
