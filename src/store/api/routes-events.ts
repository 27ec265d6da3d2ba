// The change feed as server-sent events. A subscriber sees changes of paths it may read under its prefix,
// catches up from `since` first, and is disconnected when its token expires.
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../audit/log.js';
import { assertPrefix } from '../paths.js';
import type { ChangeRecord } from '../storage/types.js';
import { auditDraft, permissions, type StoreContext, stateOf } from './context.js';
import { type Json, optionalInt } from './input.js';

export function registerEventRoutes(app: FastifyInstance, ctx: StoreContext, streams: Set<() => void>): void {
  app.get('/v1/events', { config: { action: 'events.subscribe' } }, async (request, reply) => {
    const query = request.query as Json;
    const prefix = assertPrefix(query.prefix);
    const since = optionalInt(query, 'since', 0);
    const state = stateOf(request);
    state.path = prefix;
    const allowed = await permissions(ctx, request);
    // Audited before the stream opens: no audit entry, no stream.
    await appendAudit(ctx.storage, auditDraft(request, state, 200));
    state.audited = true;

    const matches = (change: ChangeRecord) =>
      (prefix === '/' || change.path.startsWith(prefix) || change.path === prefix.replace(/\/$/, '')) &&
      allowed.can(change.path, 'read');

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');

    let lastSent = since ?? ctx.feed.position;
    let catchingUp = since !== undefined;
    const pending: ChangeRecord[] = [];
    const send = (change: ChangeRecord) => {
      if (change.seq <= lastSent) return;
      lastSent = change.seq;
      if (!matches(change)) return;
      const data = { seq: change.seq, path: change.path, version: change.version, op: change.op };
      res.write(`id: ${change.seq}\nevent: change\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const unsubscribe = ctx.feed.subscribe((change) => (catchingUp ? pending.push(change) : send(change)));
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), ctx.keepaliveMs);
    const expiresIn = Date.parse(state.session!.expiresAt) - Date.now();
    const expiry = setTimeout(() => finish(), Math.max(0, Math.min(expiresIn, 2 ** 31 - 1)));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(keepalive);
      clearTimeout(expiry);
      streams.delete(finish);
      res.end();
    };
    streams.add(finish);
    request.raw.on('close', finish);
    // A write racing a disconnect must end the stream, not crash the process with an unhandled error.
    res.on('error', finish);

    if (catchingUp) {
      try {
        for (;;) {
          const page = await ctx.feed.backlog(lastSent, 500);
          for (const change of page) send(change);
          if (page.length < 500) break;
        }
      } catch {
        finish();
        return;
      }
      catchingUp = false;
      for (const change of pending.splice(0)) send(change);
    }
  });
}
