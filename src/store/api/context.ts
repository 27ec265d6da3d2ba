// Everything a request handler needs, built once per server, and the per-request state the audit hook reads.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../audit/log.js';
import type { AuthService, Session } from '../auth/service.js';
import type { FragmentKeeper } from '../crypto/fragments.js';
import { forbidden } from '../errors.js';
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

export function auditDraft(request: FastifyRequest, state: RequestState, status: number): AuditDraft {
  const detail: AuditDraft['detail'] = { status, method: request.method, ip: request.ip };
  if (state.permissions?.roles.length) detail.roles = state.permissions.roles.join(',');
  return {
    at: new Date().toISOString(),
    actor: state.actor,
    action: state.action,
    path: state.path,
    outcome: status < 400 ? 'ok' : (state.errorCode ?? 'error'),
    detail,
  };
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
  if (!(await permissions(ctx, request)).can(path, capability)) {
    throw forbidden(`not allowed to ${capability} ${path}`);
  }
}

export async function requireSystem(ctx: StoreContext, request: FastifyRequest, capability: SystemCapability) {
  if (!(await permissions(ctx, request)).hasSystem(capability)) {
    throw forbidden(`this call needs a role with the "${capability}" system capability`);
  }
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
