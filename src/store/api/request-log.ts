// Per-request logging for the store and the gateway: Fastify's two info lines per request (with the full URL) become
// one short debug line (method, route pattern, status, milliseconds), so `info` shows only start, stop and errors.
// The line never holds a query string, header or body, so no path, token or value can reach it.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? '(no route)';
}

export class ConciseRequestLog extends LogController {
  override incomingRequest(): void {
    // nothing: requestCompleted writes the one line per request
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      route: routeOf(request),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: { message: error.message } }, 'request failed');
    else reply.log.debug(line, 'request');
  }

  /** Only reached when a server has no error handler of its own: 5xx is an error, 4xx is the client's business. */
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, route: routeOf(request), status: reply.statusCode };
    if (reply.statusCode >= 500) reply.log.error({ ...line, err: { message: error.message } }, 'request failed');
    else reply.log.debug({ ...line, err: { message: error.message } }, 'request rejected');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ method: request.method }, 'no such route');
  }

  override streamError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      reply.log.debug({ route: routeOf(request) }, 'client closed the stream');
    } else {
      reply.log.warn({ route: routeOf(request), err: { message: error.message } }, 'response stream failed');
    }
  }
}
