// Outbound HTTP(S) proxies for provider and generator calls, chosen the way ESO's Go HTTP clients choose them
// (net/http's ProxyFromEnvironment): HTTPS_PROXY for https URLs, HTTP_PROXY for http URLs (upper case first, then
// lower case), NO_PROXY exceptions (`*`, IP addresses, CIDR ranges, domains with their subdomains, `.domain` for
// subdomains only, each optionally with a port), and never for localhost or loopback addresses. A proxy without a
// scheme is http://. https targets are tunnelled with CONNECT; TLS to the target keeps the call's own options (CA,
// client certificate). With no proxy variable set, calls go out exactly as before (no agent is added).
import type { ClientRequest, Agent as HttpAgent } from 'node:http';
import { globalAgent as httpGlobalAgent } from 'node:http';
import { globalAgent as httpsGlobalAgent } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Agent, type AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';

type Env = Record<string, string | undefined>;

const either = (env: Env, name: string) => env[name] || env[name.toLowerCase()] || '';

function parseProxy(value: string): URL | undefined {
  if (!value) return undefined;
  try {
    return new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    return undefined;
  }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

function matchesNoProxy(host: string, port: string, noProxy: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const [net, bits] = entry.split('/');
      const family = isIP(net ?? '');
      if (family && isIP(bare) === family) {
        const list = new BlockList();
        list.addSubnet(net as string, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
        if (list.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return true;
      }
      continue;
    }
    // An optional :port narrows the entry to that port.
    const portMatch = /^(.*[^:\]]|\[.*\]):(\d+)$/.exec(entry);
    if (portMatch && !isIP(entry)) {
      if (portMatch[2] !== port) continue;
      entry = portMatch[1] ?? '';
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (isIP(entry)) {
      if (entry === bare) return true;
      continue;
    }
    if (entry.startsWith('.')) {
      if (bare.endsWith(entry)) return true;
    } else if (bare === entry || bare.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/** The proxy a request to `url` goes through under `env`, or undefined for a direct connection. */
export function proxyFor(url: URL, env: Env = process.env): URL | undefined {
  const https = url.protocol === 'https:';
  const proxy = parseProxy(either(env, https ? 'HTTPS_PROXY' : 'HTTP_PROXY'));
  if (!proxy) return undefined;
  const host = url.hostname;
  if (isLoopback(host)) return undefined;
  const port = url.port || (https ? '443' : '80');
  if (matchesNoProxy(host, port, either(env, 'NO_PROXY'))) return undefined;
  return proxy;
}

/** Decides per request, so one agent serves every host (the AWS SDK takes a single agent). */
class ProxyRoutingAgent extends Agent {
  readonly #tunnels = new Map<string, HttpAgent>();

  connect(_req: ClientRequest, options: AgentConnectOpts): HttpAgent {
    const secure = options.secureEndpoint;
    const url = new URL(`${secure ? 'https' : 'http'}://${options.host}:${options.port}`);
    const proxy = proxyFor(url);
    if (!proxy) return secure ? httpsGlobalAgent : httpGlobalAgent;
    const key = `${secure}|${proxy.href}`;
    let agent = this.#tunnels.get(key);
    if (!agent) {
      agent = secure ? new HttpsProxyAgent(proxy) : new HttpProxyAgent(proxy);
      this.#tunnels.set(key, agent);
    }
    return agent;
  }
}

let routing: ProxyRoutingAgent | undefined;

/** The agent for a request to `url` when it must go through a proxy, else undefined (Node's default agent). */
export function proxyAgentFor(url: URL): HttpAgent | undefined {
  if (!proxyFor(url)) return undefined;
  routing ??= new ProxyRoutingAgent();
  return routing;
}

/** One agent for clients that pick hosts themselves (the AWS SDK), or undefined when no proxy is configured. */
export function proxyRoutingAgent(env: Env = process.env): HttpAgent | undefined {
  if (!either(env, 'HTTPS_PROXY') && !either(env, 'HTTP_PROXY')) return undefined;
  routing ??= new ProxyRoutingAgent();
  return routing;
}
