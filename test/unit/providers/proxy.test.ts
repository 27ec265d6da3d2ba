// Which calls go through a proxy, by the rules of Go's ProxyFromEnvironment that ESO's clients follow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyFor } from '../../../src/providers/proxy.js';

const via = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env)?.href;

describe('proxyFor', () => {
  it('https URLs use HTTPS_PROXY, http URLs HTTP_PROXY; upper case wins; no scheme means http', () => {
    const env = {
      HTTPS_PROXY: 'proxy.corp:3128',
      http_proxy: 'http://plain.corp:80',
      https_proxy: 'http://lower.corp:1',
    };
    assert.equal(via('https://vault.example:8200/v1/x', env), 'http://proxy.corp:3128/');
    assert.equal(via('http://vault.example/v1/x', env), 'http://plain.corp/');
    assert.equal(via('https://vault.example', { https_proxy: 'http://lower.corp:1' }), 'http://lower.corp:1/');
    assert.equal(via('http://vault.example', { HTTPS_PROXY: 'http://p:1' }), undefined);
    assert.equal(via('https://vault.example', {}), undefined);
  });

  it('never proxies localhost or loopback addresses', () => {
    const env = { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1' };
    for (const url of [
      'https://localhost:8200',
      'https://127.0.0.1:8200',
      'http://127.9.9.9',
      'https://[::1]:443',
      'http://api.localhost',
    ]) {
      assert.equal(via(url, env), undefined, url);
    }
    assert.equal(via('https://10.0.0.1', env), 'http://p:1/');
  });

  it('honours NO_PROXY: *, domains with subdomains, .subdomains only, IPs, CIDRs and ports', () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy });
    assert.equal(via('https://vault.example', env('*')), undefined);
    assert.equal(via('https://vault.example', env('example')), undefined);
    assert.equal(via('https://example', env('example')), undefined);
    assert.equal(via('https://notexample', env('example')), 'http://p:1/');
    assert.equal(via('https://vault.example', env('.example')), undefined);
    assert.equal(via('https://example', env('.example')), 'http://p:1/');
    assert.equal(via('https://10.1.2.3', env('10.0.0.0/8')), undefined);
    assert.equal(via('https://11.1.2.3', env('10.0.0.0/8')), 'http://p:1/');
    assert.equal(via('https://192.168.1.5', env('192.168.1.5')), undefined);
    assert.equal(via('https://vault.example:8200', env('vault.example:8200')), undefined);
    assert.equal(via('https://vault.example', env('vault.example:8200')), 'http://p:1/');
    assert.equal(via('https://a.svc', env(' foo , .svc ,bar')), undefined);
    assert.equal(via('https://vault.example', { HTTPS_PROXY: 'http://p:1', no_proxy: 'vault.example' }), undefined);
  });
});
