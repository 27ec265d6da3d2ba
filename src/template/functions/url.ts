// urlParse and urlJoin with Go's net/url rules: url.Parse (scheme, authority, opaque, percent-decoding of path and
// fragment, its error messages) and URL.String (percent-encoding per component).

import { newGoMap } from '../values.js';
import type { FunctionMap } from './contract.js';
import { decodeUtf8, encodeUtf8, fail, fixed, goTypeOf } from './support.js';
import { goQuote } from './text.js';

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment';

class UrlError extends Error {}

interface ParsedUrl {
  scheme: string;
  opaque: string;
  user: { username: string; password?: string } | undefined;
  host: string;
  path: string;
  rawQuery: string;
  fragment: string;
}

const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** net/url shouldEscape for one ASCII character (non-ASCII bytes are always escaped). */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case 'path':
        return c === '?';
      case 'userPassword':
        return '@/?:'.includes(c);
      case 'fragment':
        return false;
      default:
        return true;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

function percentEncode(text: string, mode: Mode): string {
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80 && !shouldEscape(ch, mode)) {
      out += ch;
      continue;
    }
    for (const byte of encodeUtf8(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** net/url unescape: %XX decoding with Go's validation per component. */
function percentDecode(text: string, mode: Mode): string {
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    if (c === '%') {
      if (!isHex(text[i + 1]) || !isHex(text[i + 2])) {
        throw new UrlError(`invalid URL escape ${goQuote(text.slice(i, i + 3))}`);
      }
      const value = Number.parseInt(text.slice(i + 1, i + 3), 16);
      if (mode === 'host' && value < 0x80 && text.slice(i, i + 3) !== '%25') {
        throw new UrlError(`invalid URL escape ${goQuote(text.slice(i, i + 3))}`);
      }
      if (
        mode === 'zone' &&
        value < 0x80 &&
        text.slice(i, i + 3) !== '%25' &&
        shouldEscape(String.fromCharCode(value), 'host')
      ) {
        throw new UrlError(`invalid URL escape ${goQuote(text.slice(i, i + 3))}`);
      }
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
      throw new UrlError(`invalid character ${goQuote(c)} in host name`);
    }
    i++;
  }
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === '%') {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
      bytes.push(...encodeUtf8(ch));
      i += ch.length;
    }
  }
  return decodeUtf8(Uint8Array.from(bytes));
}

/** Splits "scheme:rest"; a string that does not start like a scheme has none. */
function splitScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      return (
        percentDecode(host.slice(0, zone), 'host') +
        percentDecode(host.slice(zone, close), 'zone') +
        percentDecode(host.slice(close), 'host')
      );
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return percentDecode(host, 'host');
}

const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseAuthority(authority: string): Pick<ParsedUrl, 'user' | 'host'> {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, at);
  if (!USERINFO.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { user: { username: percentDecode(userinfo, 'userPassword') }, host };
  return {
    user: {
      username: percentDecode(userinfo.slice(0, colon), 'userPassword'),
      password: percentDecode(userinfo.slice(colon + 1), 'userPassword'),
    },
    host,
  };
}

function parseWithoutFragment(raw: string): ParsedUrl {
  if ([...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    throw new UrlError('net/url: invalid control character in URL');
  const url: ParsedUrl = { scheme: '', opaque: '', user: undefined, host: '', path: '', rawQuery: '', fragment: '' };
  if (raw === '*') {
    url.path = '*';
    return url;
  }
  let [scheme, rest] = splitScheme(raw);
  url.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    const segment = rest.split('/')[0] ?? '';
    if (segment.includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    Object.assign(url, parseAuthority(authority));
  }
  url.path = percentDecode(rest, 'path');
  return url;
}

/** url.Parse; errors carry Go's `parse "URL": reason` text. */
function parseUrl(raw: string): ParsedUrl {
  const hash = raw.indexOf('#');
  const main = hash < 0 ? raw : raw.slice(0, hash);
  let url: ParsedUrl;
  try {
    url = parseWithoutFragment(main);
  } catch (error) {
    if (error instanceof UrlError) throw new UrlError(`parse ${goQuote(main)}: ${error.message}`);
    throw error;
  }
  if (hash >= 0) {
    try {
      url.fragment = percentDecode(raw.slice(hash + 1), 'fragment');
    } catch (error) {
      if (error instanceof UrlError) throw new UrlError(`parse ${goQuote(raw)}: ${error.message}`);
      throw error;
    }
  }
  return url;
}

function userString(user: ParsedUrl['user']): string {
  if (!user) return '';
  const name = percentEncode(user.username, 'userPassword');
  return user.password === undefined ? name : `${name}:${percentEncode(user.password, 'userPassword')}`;
}

/** URL.Hostname: the host without port and IPv6 brackets. */
function hostname(host: string): string {
  let name = host;
  const colon = name.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(name.slice(colon))) name = name.slice(0, colon);
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name;
}

function urlParse(raw: string): Record<string, unknown> {
  let url: ParsedUrl;
  try {
    url = parseUrl(raw);
  } catch (error) {
    if (error instanceof UrlError) fail(`unable to parse url: ${error.message}`);
    throw error;
  }
  const result = newGoMap();
  result.scheme = url.scheme;
  result.host = url.host;
  result.hostname = hostname(url.host);
  result.path = url.path;
  result.query = url.rawQuery;
  result.opaque = url.opaque;
  result.fragment = url.fragment;
  result.userinfo = userString(url.user);
  return result;
}

/** URL.String of the parts in the map. */
function urlJoin(parts: Record<string, unknown>): string {
  const field = (key: string): string => {
    if (!Object.hasOwn(parts, key)) return '';
    const value = parts[key];
    if (value === null || value === undefined) fail('runtime error: invalid memory address or nil pointer dereference');
    if (typeof value !== 'string')
      fail(`unable to parse ${key} key, must be of type string, but ${goTypeOf(value)} found`);
    return value;
  };
  const [scheme, host, path, query, opaque, fragment, userinfo] = [
    'scheme',
    'host',
    'path',
    'query',
    'opaque',
    'fragment',
    'userinfo',
  ].map(field) as [string, string, string, string, string, string, string];
  let user: ParsedUrl['user'];
  if (userinfo !== '') {
    try {
      user = parseUrl(`proto://${userinfo}@host`).user;
    } catch (error) {
      if (error instanceof UrlError) fail(`unable to parse userinfo in dict: ${error.message}`);
      throw error;
    }
  }
  let out = scheme === '' ? '' : `${scheme}:`;
  if (opaque !== '') {
    out += opaque;
  } else {
    if (scheme !== '' || host !== '' || user) {
      if (host !== '' || path !== '' || user) out += '//';
      if (user) out += `${userString(user)}@`;
      if (host !== '') out += percentEncode(host, 'host');
    }
    const escapedPath = path === '*' ? '*' : percentEncode(path, 'path');
    if (escapedPath !== '' && !escapedPath.startsWith('/') && host !== '') out += '/';
    if (out === '' && (escapedPath.split('/')[0] ?? '').includes(':')) out += './';
    out += escapedPath;
  }
  if (query !== '') out += `?${query}`;
  if (fragment !== '') out += `#${percentEncode(fragment, 'fragment')}`;
  return out;
}

export const urlFunctions: FunctionMap = {
  urlParse: fixed(['string'], urlParse),
  urlJoin: fixed(['map'], urlJoin),
};
