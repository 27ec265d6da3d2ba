// Administration over HTTP (system capability "admin"), and the audit log (system capability "audit").
import type { FastifyInstance } from 'fastify';
import { checkBoundClaims, checkName, putRole } from '../admin.js';
import { verifyStoredAudit } from '../audit/log.js';
import type { JwtAuthConfig } from '../auth/jwt.js';
import type { KubernetesAuthConfig } from '../auth/kubernetes.js';
import { invalid, notFound } from '../errors.js';
import type { AuthMethodRecord } from '../storage/types.js';
import { auditedWrite, requireSystem, type StoreContext, stateOf } from './context.js';
import { type Json, objectBody, optionalInt, requiredString } from './input.js';

/** Auth method as shown to admins: API key hashes are left out. */
function publicMethod(method: AuthMethodRecord) {
  const { keyHash: _hidden, reviewerTokenSealed: _sealed, ...config } = method.config;
  return { accessId: method.accessId, name: method.name, type: method.type, config, createdAt: method.createdAt };
}

export function registerAdminRoutes(app: FastifyInstance, ctx: StoreContext): void {
  app.post('/v1/admin/auth-methods', { config: { action: 'admin.auth-method.create' } }, async (request, reply) => {
    await requireSystem(ctx, request, 'admin');
    const input = objectBody(request.body);
    const name = checkName('auth method', input.name);
    stateOf(request).path = `auth-method:${name}`;
    const type = requiredString(input, 'type', 32);
    const config = (input.config ?? {}) as Json;
    if (typeof config !== 'object' || Array.isArray(config)) throw invalid('"config" must be an object');
    if ((await ctx.storage.listAuthMethods()).some((m) => m.name === name)) {
      throw invalid(`an auth method named ${name} exists already`);
    }
    reply.code(201);
    // Creation and its audit entry are one transaction; the API key is shown only in this response.
    return auditedWrite(ctx, request, 201, async (tx) => {
      if (type === 'api_key') {
        const created = await ctx.auth.createApiKey(name, tx);
        return { ...publicMethod(created.method), accessKey: created.accessKey };
      }
      if (type === 'kubernetes') {
        return publicMethod(await ctx.auth.createKubernetes(name, config as KubernetesAuthConfig, tx));
      }
      if (type === 'jwt') return publicMethod(await ctx.auth.createJwt(name, config as JwtAuthConfig, tx));
      throw invalid('"type" must be one of api_key, kubernetes, jwt');
    });
  });

  app.get('/v1/admin/auth-methods', { config: { action: 'admin.auth-method.list' } }, async (request) => {
    await requireSystem(ctx, request, 'admin');
    return { authMethods: (await ctx.storage.listAuthMethods()).map(publicMethod) };
  });

  app.delete('/v1/admin/auth-methods', { config: { action: 'admin.auth-method.delete' } }, async (request, reply) => {
    await requireSystem(ctx, request, 'admin');
    const accessId = requiredString(request.query as Json, 'accessId', 128);
    stateOf(request).path = `auth-method:${accessId}`;
    await auditedWrite(ctx, request, 204, async (tx) => {
      if (!(await tx.deleteAuthMethod(accessId))) throw notFound(`no auth method has access id ${accessId}`);
    });
    reply.code(204);
    return null;
  });

  app.put('/v1/admin/roles', { config: { action: 'admin.role.put' } }, async (request) => {
    await requireSystem(ctx, request, 'admin');
    const input = objectBody(request.body);
    stateOf(request).path = `role:${String(input.name).slice(0, 64)}`;
    return auditedWrite(ctx, request, 200, (tx) =>
      putRole(tx, { name: input.name, rules: input.rules, system: input.system }),
    );
  });

  app.get('/v1/admin/roles', { config: { action: 'admin.role.list' } }, async (request) => {
    await requireSystem(ctx, request, 'admin');
    const [roles, bindings] = await Promise.all([ctx.storage.listRoles(), ctx.storage.listBindings()]);
    return {
      roles: roles.map((role) => ({
        ...role,
        bindings: bindings
          .filter((b) => b.role === role.name)
          .map(({ accessId, boundClaims }) => ({ accessId, boundClaims })),
      })),
    };
  });

  app.delete('/v1/admin/roles', { config: { action: 'admin.role.delete' } }, async (request, reply) => {
    await requireSystem(ctx, request, 'admin');
    const name = requiredString(request.query as Json, 'name', 64);
    stateOf(request).path = `role:${name}`;
    await auditedWrite(ctx, request, 204, async (tx) => {
      if (!(await tx.deleteRole(name))) throw notFound(`no role is named ${name}`);
    });
    reply.code(204);
    return null;
  });

  app.post('/v1/admin/roles/bind', { config: { action: 'admin.role.bind' } }, async (request) => {
    await requireSystem(ctx, request, 'admin');
    const input = objectBody(request.body);
    const role = requiredString(input, 'role', 64);
    const accessId = requiredString(input, 'accessId', 128);
    stateOf(request).path = `role:${role}`;
    const boundClaims = checkBoundClaims(input.boundClaims);
    return auditedWrite(ctx, request, 200, async (tx) => {
      if (!(await tx.getRole(role))) throw notFound(`no role is named ${role}`);
      if (!(await tx.getAuthMethod(accessId))) throw notFound(`no auth method has access id ${accessId}`);
      await tx.putBinding({ role, accessId, boundClaims });
      return { role, accessId, boundClaims };
    });
  });

  app.post('/v1/admin/roles/unbind', { config: { action: 'admin.role.unbind' } }, async (request) => {
    await requireSystem(ctx, request, 'admin');
    const input = objectBody(request.body);
    const role = requiredString(input, 'role', 64);
    const accessId = requiredString(input, 'accessId', 128);
    stateOf(request).path = `role:${role}`;
    return auditedWrite(ctx, request, 200, async (tx) => {
      if (!(await tx.deleteBinding(role, accessId))) throw notFound(`${accessId} is not bound to role ${role}`);
      return { role, accessId };
    });
  });

  app.get('/v1/audit', { config: { action: 'audit.read' } }, async (request) => {
    await requireSystem(ctx, request, 'audit');
    const query = request.query as Json;
    const from = optionalInt(query, 'from', 1) ?? 1;
    const limit = optionalInt(query, 'limit', 1, 5000) ?? 100;
    return { entries: await ctx.storage.listAudit(from, limit) };
  });

  app.get('/v1/audit/verify', { config: { action: 'audit.verify' } }, async (request) => {
    await requireSystem(ctx, request, 'audit');
    return verifyStoredAudit(ctx.storage);
  });
}
