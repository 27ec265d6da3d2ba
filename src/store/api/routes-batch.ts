// `POST /v1/items/batch-get` (docs/store-protocol.md): several reads of one caller in one request, so a gateway
// under load pays one HTTP exchange for many reads. The token is checked once; each read is authorised, answered
// and audited on its own, exactly as `GET /v1/items` or `GET /v1/items/describe` would (same answer, same audit
// action), so batching changes nothing a client or an auditor sees.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appendAudit } from '../audit/log.js';
import { invalid, StoreError } from '../errors.js';
import type { Permissions } from '../policy/authorizer.js';
import { auditDraft, errorAnswer, permissions, type StoreContext, stateOf } from './context.js';
import { type Json, objectBody } from './input.js';
import { type ReadKind, readActions, readItem } from './item-reads.js';
import { bearerToken } from './routes-auth.js';

/** Most reads in one batch request. */
export const maxBatchReads = 64;

interface BatchRead {
  kind: ReadKind;
  input: Json;
}

type EntryAnswer = { item: unknown } | { error: { status: number; code: string; message: string } };

function batchReads(body: unknown): BatchRead[] {
  const reads = objectBody(body).reads;
  if (!Array.isArray(reads) || reads.length === 0 || reads.length > maxBatchReads) {
    throw invalid(`"reads" must be an array of 1 to ${maxBatchReads} reads; split larger batches`);
  }
  return reads.map((read, i) => {
    if (read === null || typeof read !== 'object' || Array.isArray(read)) {
      throw invalid(`reads[${i}] must be an object like {"path":"/a/b","version":2,"describe":false}`);
    }
    const { describe } = read as Json;
    if (describe !== undefined && typeof describe !== 'boolean') {
      throw invalid(`reads[${i}].describe must be true or false`);
    }
    return { kind: describe === true ? 'describe' : 'read', input: read as Json };
  });
}

export function registerBatchReadRoute(app: FastifyInstance, ctx: StoreContext): void {
  // `public` only skips the server's authentication hook: the handler authenticates itself, so that a refused
  // token is audited once per read, as the single reads would have been.
  app.post('/v1/items/batch-get', { config: { action: 'item.batch-get', public: true } }, async (request) => {
    const state = stateOf(request);
    try {
      state.session = await ctx.auth.authenticate(bearerToken(request.headers.authorization));
    } catch (error) {
      if (error instanceof StoreError) await auditRefusedBatch(request, error);
      throw error;
    }
    state.actor = state.session.identity.accessId;
    const reads = batchReads(request.body);
    // The caller's permissions are looked up once for the whole batch, not once per concurrent read.
    let lookup: Promise<Permissions> | undefined;
    const allowed = () => {
      lookup ??= permissions(ctx, request);
      return lookup;
    };
    const results = await Promise.all(reads.map((read) => answerOne(request, read, allowed)));
    state.audited = true; // every read has its own entry; the batch itself needs none
    return { results };
  });

  async function answerOne(
    request: FastifyRequest,
    read: BatchRead,
    allowed: () => Promise<Permissions>,
  ): Promise<EntryAnswer> {
    const state = stateOf(request);
    let path = '';
    let answer: EntryAnswer;
    try {
      const item = await readItem(ctx, read.kind, read.input, allowed, (p) => {
        path = p;
      });
      answer = { item };
    } catch (error) {
      const failure = errorAnswer(error);
      if (!(error instanceof StoreError)) {
        request.log.error({ err: { message: (error as Error).message } }, 'store batch read failed');
      }
      answer = { error: failure };
    }
    const status = 'error' in answer ? answer.error.status : 200;
    const errorCode = 'error' in answer ? answer.error.code : undefined;
    try {
      await appendAudit(
        ctx.storage,
        auditDraft(request, state, status, { action: readActions[read.kind], path, errorCode }),
      );
    } catch (error) {
      // Fail closed, as a single read: no answer without its audit entry.
      return { error: errorAnswer(error) };
    }
    return answer;
  }

  /** A refused token: one entry per read that was asked for (when the body can be read), then the refusal. */
  async function auditRefusedBatch(request: FastifyRequest, refusal: StoreError): Promise<void> {
    let reads: BatchRead[];
    try {
      reads = batchReads(request.body);
    } catch {
      return; // not a batch we can split: the server audits the request once, as item.batch-get
    }
    const state = stateOf(request);
    await Promise.all(
      reads.map((read) =>
        appendAudit(
          ctx.storage,
          auditDraft(request, state, refusal.status, {
            action: readActions[read.kind],
            path: '',
            errorCode: refusal.code,
          }),
        ),
      ),
    );
    state.audited = true;
  }
}
