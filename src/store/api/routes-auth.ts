// Login, token validation and logout.
import type { FastifyInstance } from 'fastify';
import { type StoreContext, stateOf } from './context.js';
import { objectBody } from './input.js';

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export function registerAuthRoutes(app: FastifyInstance, ctx: StoreContext): void {
  app.post('/v1/auth/login', { config: { action: 'auth.login', public: true } }, async (request) => {
    const input = objectBody(request.body);
    if (typeof input.accessId === 'string') stateOf(request).actor = input.accessId.slice(0, 128);
    const result = await ctx.auth.login(input, request.ip);
    return { token: result.token, expiresAt: result.expiresAt, identity: result.identity };
  });

  app.post('/v1/auth/validate', { config: { action: 'auth.validate' } }, async (request) => {
    const session = stateOf(request).session!;
    return { valid: true, expiresAt: session.expiresAt, identity: session.identity };
  });

  app.post('/v1/auth/logout', { config: { action: 'auth.logout' } }, async (request, reply) => {
    await ctx.auth.revoke(bearerToken(request.headers.authorization)!);
    reply.code(204);
    return null;
  });
}
