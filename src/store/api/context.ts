// Everything a request handler needs, built once per server, and the per-request state the audit hook reads.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../audit/log.js';
import type { AuthService, Session } from '../auth/service.js';
import type { FragmentKeeper } from '../crypto/fragments.js';
import { forbidden, StoreError } from '../errors.js';
import type { ChangeFeed } from '../feed.js';
import { type Permissions, permissionsFor } from '../policy/authorizer.js';
import type { AuditDraft, StoreOps, StoreStorage, SystemCapability } from '../storage/types.js';

export interface StoreContext {
  storage: StoreStorage;
  fragments: FragmentKeeper;
  auth: AuthService;
  feed: ChangeFeed;
  maxCiphertextChars: number;
  keepaliveMs: number;
}

export interface RequestState {
  action: string;
  actor: string;
  path: string;
  errorCode?: string;
  /** set once the request's audit entry is committed */
  audited: boolean;
  session?: Session;
  permissions?: Permissions;
}

const states = new WeakMap<FastifyRequest, RequestState>();

export function stateOf(request: FastifyRequest): RequestState {
  let state = states.get(request);
  if (!state) {
    const config = request.routeOptions?.config as { action?: string } | undefined;
    state = { action: config?.action ?? 'unknown', actor: '-', path: '', audited: false };
    states.set(request, state);
  }
  return state;
}

/**
 * The audit entry of a request; `entry` overrides action, path and error code for one read of a batch, which is
 * audited as its own entry.
 */
export function auditDraft(
  request: FastifyRequest,
  state: RequestState,
  status: number,
  entry?: { action: string; path: string; errorCode?: string },
): AuditDraft {
  const detail: AuditDraft['detail'] = { status, method: request.method, ip: request.ip };
  if (state.permissions?.roles.length) detail.roles = state.permissions.roles.join(',');
  if (entry) detail.batch = true;
  const errorCode = entry ? entry.errorCode : state.errorCode;
  return {
    at: new Date().toISOString(),
    actor: state.actor,
    action: entry?.action ?? state.action,
    path: entry?.path ?? state.path,
    outcome: status < 400 ? 'ok' : (errorCode ?? 'error'),
    detail,
  };
}

export const storageFailureMessage = 'the store cannot serve this request now (database unavailable?)';

/** The protocol's answer to an error thrown by a handler: a StoreError as it is, anything else a 503. */
export function errorAnswer(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof StoreError) return { status: error.status, code: error.code, message: error.message };
  return { status: 503, code: 'unavailable', message: storageFailureMessage };
}

/** Runs a mutation and its audit entry in one transaction: both are committed, or neither. */
export async function auditedWrite<T>(
  ctx: StoreContext,
  request: FastifyRequest,
  status: number,
  write: (tx: StoreOps) => Promise<T>,
): Promise<T> {
  const state = stateOf(request);
  const result = await ctx.storage.transaction(async (tx) => {
    const value = await write(tx);
    await appendAudit(tx, auditDraft(request, state, status));
    return value;
  });
  state.audited = true;
  return result;
}

export async function permissions(ctx: StoreContext, request: FastifyRequest): Promise<Permissions> {
  const state = stateOf(request);
  if (!state.permissions) state.permissions = await permissionsFor(ctx.storage, state.session!.identity);
  return state.permissions;
}

/** 403 unless the caller holds `capability` on `path`; the answer is the same whether the item exists or not. */
export async function requireCapability(
  ctx: StoreContext,
  request: FastifyRequest,
  path: string,
  capability: 'read' | 'list' | 'create' | 'update' | 'delete',
): Promise<void> {
  stateOf(request).path = path;
  checkCapability(await permissions(ctx, request), path, capability);
}

export function checkCapability(
  allowed: Permissions,
  path: string,
  capability: 'read' | 'list' | 'create' | 'update' | 'delete',
): void {
  if (!allowed.can(path, capability)) throw forbidden(`not allowed to ${capability} ${path}`);
}

/** Describing needs `read` or `list`; refused the same way whether the item exists or not. */
export function checkDescribe(allowed: Permissions, path: string): void {
  if (!allowed.can(path, 'read') && !allowed.can(path, 'list')) throw forbidden(`not allowed to describe ${path}`);
}

export async function requireSystem(ctx: StoreContext, request: FastifyRequest, capability: SystemCapability) {
  if (!(await permissions(ctx, request)).hasSystem(capability)) {
    throw forbidden(`this call needs a role with the "${capability}" system capability`);
  }
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
