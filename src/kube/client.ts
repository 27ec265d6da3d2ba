// A thin REST client for the Kubernetes API. A KubeConfigSource (the in-house Kubeconfig, or client-node's
// KubeConfig in tests and tools) supplies the server, TLS material and credentials; requests go through
// node:https on one keep-alive agent.
//
// Guarantees:
// * Every request (including the start of a watch) first takes a token from the client's own bucket
//   (default 50 QPS, burst 100, like ESO's --client-qps/--client-burst), so one client cannot flood the server.
// * A non-2xx response becomes a KubeApiError with the HTTP status and the server's Status reason and message;
//   a network failure becomes a KubeApiError with status 0. Request bodies never appear in errors.
// * 429 Too Many Requests is retried after the server's Retry-After (default 1 s; at most `maxRetries` times, each
//   wait within [0.1 s, 10 s]): the server rejected the request before acting on it, so a retry is always safe.
// * A request that gets no complete response within `timeoutMs` (default 60 s) is aborted. Watches have no such
//   timeout; the list-watch guards them with a watchdog instead.
// * Credentials are re-read from the KubeConfig at most every 30 s (and at once after a 401), so rotated
//   service-account tokens and exec plugins keep working.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions as HttpsRequestOptions, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';
import { type Clock, realClock, sleep } from './clock.js';
import { type ApiStatus, KubeApiError } from './errors.js';
import type { KubeConfigSource } from './kubeconfig/source.js';
import { apiVersionOf, type ResourceType, resourcePath } from './resources.js';
import { TokenBucket } from './tokenbucket.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

/** Any Kubernetes object as JSON (timestamps stay strings). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON-serialised unless it is already a string. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Per-request timeout in ms (default: the client's timeoutMs). */
  timeoutMs?: number;
}

export interface KubeClientOptions {
  /** Sustained requests per second (default 50; <= 0 disables the limit). */
  qps?: number;
  /** Requests allowed at once before the rate applies (default 100). */
  burst?: number;
  /** Timeout for non-streaming requests in ms (default 60000). */
  timeoutMs?: number;
  /** Retries of a 429 response (default 5). */
  maxRetries?: number;
  userAgent?: string;
  clock?: Clock;
  /**
   * Called once per HTTP request sent (retries included) with its method, the response code ('<error>' when no
   * response came) and the server's host:port: client-go's rest_client_requests_total.
   */
  onRequestDone?(method: string, code: string, host: string): void;
}

export type PatchType = 'merge' | 'strategic' | 'json';

const patchContentTypes: Record<PatchType | 'apply', string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Accept headers that make the server return PartialObjectMetadata instead of full objects. */
export const metadataOnlyAccept = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  object: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
} as const;

export interface WriteOptions {
  /** Records who changed which fields; required for server-side apply. */
  fieldManager?: string;
  /** 'All' validates and admits the request without persisting it. */
  dryRun?: 'All';
  signal?: AbortSignal;
}

export interface ListOptions {
  /** Omit for all namespaces (namespaced types) or for cluster-scoped types. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Ask for PartialObjectMetadataList: metadata only (e.g. Secrets without their data). */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: 'All';
  signal?: AbortSignal;
}

interface Credentials {
  headers: Record<string, string>;
  fetchedAt: number;
}

const credentialTtlMs = 30_000;
const maxRetryAfterMs = 10_000;

export class KubeClient {
  /** Base URL of the API server, without a trailing slash. */
  readonly server: string;
  readonly #kc: KubeConfigSource;
  readonly #bucket: TokenBucket;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #userAgent: string;
  readonly #clock: Clock;
  #agent: HttpAgent | undefined;
  /** TLS material (and client-node's proxy agent) resolved from the KubeConfig at the last credential refresh. */
  #tls: HttpsRequestOptions = {};
  #credentials: Credentials | undefined;
  #credentialsPending: Promise<Credentials> | undefined;
  /** The server URL taken apart once, so a request does not parse a URL (a measurable cost at thousands/s). */
  readonly #target: { protocol: string; hostname: string; port: string; basePath: string };
  readonly #host: string;
  readonly #onRequestDone: KubeClientOptions['onRequestDone'];

  constructor(kc: KubeConfigSource, options: KubeClientOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster; set current-context or pass --kubeconfig');
    this.server = cluster.server.replace(/\/+$/, '');
    const parsed = new URL(this.server);
    this.#target = {
      protocol: parsed.protocol,
      hostname: parsed.hostname.replace(/^\[|\]$/g, ''), // http.request wants an IPv6 address without brackets
      port: parsed.port,
      basePath: parsed.pathname.replace(/\/+$/, ''),
    };
    this.#kc = kc;
    this.#clock = options.clock ?? realClock;
    this.#bucket = new TokenBucket(options.qps ?? 50, options.burst ?? 100, this.#clock);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxRetries = options.maxRetries ?? 5;
    this.#userAgent = options.userAgent ?? 'custos';
    this.#host = parsed.host;
    this.#onRequestDone = options.onRequestDone;
  }

  /** The credentials this client uses (for code that must make its own requests, e.g. a TokenRequest). */
  get kubeConfig(): KubeConfigSource {
    return this.#kc;
  }

  // ----- typed helpers -------------------------------------------------------------------------------------

  get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    options: { namespace?: string; metadataOnly?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.request<T>('GET', resourcePath(type, { namespace: options.namespace, name }), {
      accept: options.metadataOnly ? metadataOnlyAccept.object : undefined,
      signal: options.signal,
    });
  }

  list<T extends KubeObject = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', resourcePath(type, { namespace: options.namespace }), {
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        continue: options.continue,
        resourceVersion: options.resourceVersion,
        resourceVersionMatch: options.resourceVersionMatch,
      },
      accept: options.metadataOnly ? metadataOnlyAccept.list : undefined,
      signal: options.signal,
    });
  }

  create<T extends KubeObject>(type: ResourceType, object: T, options: WriteOptions = {}): Promise<T> {
    const namespace = type.namespaced ? requireNamespace(type, object) : undefined;
    return this.request<T>('POST', resourcePath(type, { namespace }), {
      body: object,
      query: writeQuery(options),
      signal: options.signal,
    });
  }

  /** PUT: replaces the object. With metadata.resourceVersion set, a concurrent change makes this fail with 409. */
  update<T extends KubeObject>(type: ResourceType, object: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(type, object, undefined, options);
  }

  /** PUT on the status subresource: only .status is changed. */
  updateStatus<T extends KubeObject>(type: ResourceType, object: T, options: WriteOptions = {}): Promise<T> {
    return this.#put(type, object, 'status', options);
  }

  patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    options: WriteOptions & { patchType?: PatchType; namespace?: string; subresource?: string } = {},
  ): Promise<T> {
    const patchType = options.patchType ?? 'merge';
    return this.request<T>(
      'PATCH',
      resourcePath(type, { namespace: options.namespace, name, subresource: options.subresource }),
      {
        body: patch,
        contentType: patchContentTypes[patchType],
        query: writeQuery(options),
        signal: options.signal,
      },
    );
  }

  patchStatus<T extends KubeObject = KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    options: WriteOptions & { patchType?: PatchType; namespace?: string } = {},
  ): Promise<T> {
    return this.patch<T>(type, name, patch, { ...options, subresource: 'status' });
  }

  /**
   * Server-side apply: the server merges `object` into the live object and records `fieldManager` as the owner
   * of the fields it sets. `force` takes over fields owned by other managers instead of failing with 409.
   */
  apply<T extends KubeObject>(
    type: ResourceType,
    object: T,
    options: WriteOptions & { fieldManager: string; force?: boolean; subresource?: string },
  ): Promise<T> {
    if (!options.fieldManager) throw new Error('server-side apply needs a fieldManager');
    const name = object.metadata?.name;
    if (!name) throw new Error(`cannot apply a ${type.kind} without metadata.name`);
    const namespace = type.namespaced ? requireNamespace(type, object) : undefined;
    const body = { ...object, apiVersion: object.apiVersion ?? apiVersionOf(type), kind: object.kind ?? type.kind };
    return this.request<T>('PATCH', resourcePath(type, { namespace, name, subresource: options.subresource }), {
      body,
      contentType: patchContentTypes.apply,
      query: { ...writeQuery(options), force: options.force ? true : undefined },
      signal: options.signal,
    });
  }

  /** Server-side apply of the status subresource. */
  applyStatus<T extends KubeObject>(
    type: ResourceType,
    object: T,
    options: WriteOptions & { fieldManager: string; force?: boolean },
  ): Promise<T> {
    return this.apply(type, object, { ...options, subresource: 'status' });
  }

  /** Deletes an object; resolves with the server's answer (the object being deleted, or a Status). */
  delete(type: ResourceType, name: string, options: DeleteOptions = {}): Promise<KubeObject> {
    const hasBody = options.propagationPolicy || options.gracePeriodSeconds !== undefined || options.preconditions;
    const body = hasBody
      ? {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: options.propagationPolicy,
          gracePeriodSeconds: options.gracePeriodSeconds,
          preconditions: options.preconditions,
        }
      : undefined;
    return this.request<KubeObject>('DELETE', resourcePath(type, { namespace: options.namespace, name }), {
      body,
      query: { dryRun: options.dryRun },
      signal: options.signal,
    });
  }

  // ----- raw access ----------------------------------------------------------------------------------------

  /** Sends one request and returns the decoded JSON body (undefined for an empty body). */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.#send(method, path, options, false);
    let text: string;
    try {
      text = await readBody(response, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new KubeApiError({ status: 0, method, path, message: (error as Error).message, cause: error });
    }
    if (!text) return undefined as T;
    return JSON.parse(text) as T;
  }

  /**
   * Opens a streaming GET (a watch) and returns the live response once the server answered 2xx. The caller owns
   * the stream: consume it and destroy it (or abort the signal) when done.
   */
  stream(
    path: string,
    options: Omit<RequestOptions, 'body' | 'contentType' | 'timeoutMs'> = {},
  ): Promise<IncomingMessage> {
    return this.#send('GET', path, options, true);
  }

  /** Closes idle keep-alive connections. Streams still open are not affected. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#credentials = undefined; // the next request builds a fresh agent
  }

  // ----- internals -----------------------------------------------------------------------------------------

  #put<T extends KubeObject>(
    type: ResourceType,
    object: T,
    subresource: string | undefined,
    options: WriteOptions,
  ): Promise<T> {
    const name = object.metadata?.name;
    if (!name) throw new Error(`cannot update a ${type.kind} without metadata.name`);
    const namespace = type.namespaced ? requireNamespace(type, object) : undefined;
    return this.request<T>('PUT', resourcePath(type, { namespace, name, subresource }), {
      body: object,
      query: writeQuery(options),
      signal: options.signal,
    });
  }

  async #send(method: string, path: string, options: RequestOptions, streaming: boolean): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      await this.#bucket.take(options.signal);
      const credentials = await this.#getCredentials();
      let response: IncomingMessage;
      try {
        response = await this.#once(method, path, options, credentials, streaming);
      } catch (error) {
        this.#onRequestDone?.(method, '<error>', this.#host);
        if (error instanceof KubeApiError) throw error;
        if (options.signal?.aborted) throw options.signal.reason;
        throw new KubeApiError({ status: 0, method, path, message: (error as Error).message, cause: error });
      }
      const status = response.statusCode ?? 0;
      this.#onRequestDone?.(method, String(status), this.#host);
      if (status >= 200 && status < 300) return response;
      const text = await readBody(response, options.signal).catch(() => '');
      const retryAfter = Number(response.headers['retry-after']);
      const error = new KubeApiError({
        status,
        method,
        path,
        apiStatus: parseStatus(text),
        message: text ? undefined : response.statusMessage,
        retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
      });
      if (status === 401 && attempt === 0) {
        this.#credentials = undefined; // maybe a rotated token: re-read once and retry
        this.#kc.forgetCredentials?.();
        continue;
      }
      if (status === 429 && attempt < this.#maxRetries) {
        const waitMs = Math.min(maxRetryAfterMs, Math.max(100, (error.retryAfterSeconds ?? 1) * 1000));
        await sleep(this.#clock, waitMs, options.signal);
        continue;
      }
      throw error;
    }
  }

  #once(
    method: string,
    path: string,
    options: RequestOptions,
    credentials: Credentials,
    streaming: boolean,
  ): Promise<IncomingMessage> {
    const target = this.#target;
    const headers: OutgoingHttpHeaders = {
      ...credentials.headers,
      Accept: options.accept ?? 'application/json',
      'User-Agent': this.#userAgent,
    };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    const requestOptions: HttpsRequestOptions = {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port || undefined,
      path: target.basePath + path + encodeQuery(options.query),
      method,
      headers,
      agent: this.#getAgent(),
    };
    return new Promise<IncomingMessage>((resolve, reject) => {
      let response: IncomingMessage | undefined;
      const req = send(requestOptions, (res) => {
        response = res;
        if (!streaming) {
          // The timeout covers the whole exchange, body included.
          res.once('end', () => clearTimeout(timer));
          res.once('error', () => clearTimeout(timer));
        }
        resolve(res);
      });
      const onAbort = () => req.destroy(options.signal?.reason ?? new Error('aborted'));
      const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
      const timer = streaming
        ? undefined
        : setTimeout(() => {
            const error = new Error(`no complete response within ${timeoutMs} ms`);
            response?.destroy(error); // the body may be half read: fail its reader with this reason
            req.destroy(error);
          }, timeoutMs);
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.once('close', () => options.signal?.removeEventListener('abort', onAbort));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      req.end(payload);
    });
  }

  #getAgent(): HttpAgent {
    // Normally built with the first credentials; rebuilt here if close() ran while a request was starting.
    this.#agent ??= this.#makeAgent(this.#tls);
    return this.#agent;
  }

  /** Builds the one keep-alive agent from the TLS material the KubeConfig resolved (files or inline data). */
  #makeAgent(tls: HttpsRequestOptions): HttpAgent {
    const common = { keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 64, scheduling: 'lifo' as const };
    if (this.server.startsWith('http:')) return new HttpAgent(common);
    if (this.#kc.getCurrentCluster()?.proxyUrl && tls.agent) return tls.agent as HttpAgent; // client-node's proxy agent
    // One secure context for every connection: given as ca/cert/key, the agent would build a context per new
    // connection and stringify the PEM material into the pool key of every request.
    const secureContext = createSecureContext({
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      pfx: tls.pfx,
      passphrase: tls.passphrase,
    });
    return new HttpsAgent({
      ...common,
      secureContext,
      servername: tls.servername,
      rejectUnauthorized: tls.rejectUnauthorized,
    });
  }

  async #getCredentials(): Promise<Credentials> {
    const cached = this.#credentials;
    if (cached && this.#clock.now() - cached.fetchedAt < credentialTtlMs) return cached;
    this.#credentialsPending ??= (async () => {
      try {
        const opts: HttpsRequestOptions = {};
        await this.#kc.applyToHTTPSOptions(opts);
        this.#tls = opts;
        this.#agent ??= this.#makeAgent(opts);
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(opts.headers ?? {})) {
          if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : String(value);
        }
        if (typeof opts.auth === 'string' && opts.auth) {
          headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
        }
        const fresh = { headers, fetchedAt: this.#clock.now() };
        this.#credentials = fresh;
        return fresh;
      } finally {
        this.#credentialsPending = undefined;
      }
    })();
    return this.#credentialsPending;
  }
}

function requireNamespace(type: ResourceType, object: KubeObject): string {
  const namespace = object.metadata?.namespace;
  if (!namespace) throw new Error(`${type.kind} "${object.metadata?.name ?? ''}" needs metadata.namespace`);
  return namespace;
}

function writeQuery(options: WriteOptions): Query {
  return { fieldManager: options.fieldManager, dryRun: options.dryRun };
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseStatus(text: string): ApiStatus | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as ApiStatus;
    return parsed && typeof parsed === 'object' && parsed.kind === 'Status' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(response: IncomingMessage, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  const onAbort = () => response.destroy(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    // Plain events rather than an async iterator: cheaper for the thousands of small answers a sync burst reads.
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', resolve);
      response.once('error', reject);
      response.once('close', () => {
        if (!response.complete) reject(new Error('the connection closed before the answer was complete'));
      });
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks).toString('utf8');
}
