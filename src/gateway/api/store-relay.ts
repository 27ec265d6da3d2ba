// Store administration through the gateway: /v1/admin/*, /v1/audit and logout are forwarded to the store unchanged
// (the store checks the token's `admin` / `audit` rights), so the CLI needs only the gateway's address and CA. These
// calls carry no secret values; the store's TLS (--store-ca) applies because the gateway's StoreClient sends them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type StoreClient, StoreError } from '../store-client.js';

const relayedRoutes = [
  { url: '/v1/admin/*', methods: ['GET', 'POST', 'PUT', 'DELETE'] },
  { url: '/v1/audit', methods: ['GET'] },
  { url: '/v1/audit/verify', methods: ['GET'] },
  { url: '/v1/auth/logout', methods: ['POST'] },
] as const;

export function registerStoreRelay(app: FastifyInstance, store: StoreClient): void {
  const relay = async (request: FastifyRequest, reply: FastifyReply) => {
    const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'DELETE';
    let answer: Awaited<ReturnType<StoreClient['forward']>>;
    try {
      answer = await store.forward(request.method, request.url, {
        authorization: request.headers.authorization,
        body: hasBody ? request.body : undefined,
      });
    } catch (error) {
      const message = error instanceof StoreError ? error.message : 'the store cannot be reached from the gateway';
      return reply.status(503).send({ error: { code: 'unavailable', message } });
    }
    reply.status(answer.status);
    if (answer.contentType) reply.header('content-type', answer.contentType);
    if (answer.retryAfter) reply.header('retry-after', answer.retryAfter);
    return reply.send(answer.text);
  };
  for (const route of relayedRoutes) app.route({ method: [...route.methods], url: route.url, handler: relay });
}
