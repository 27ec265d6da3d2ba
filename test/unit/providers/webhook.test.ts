// webhook provider: when the properties of one key may share one request (the operator then sends one request for
// all data[] entries of that key and picks each property with result.jsonPath).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIgnoresProperty, WebhookSecretsProvider } from '../../../src/providers/webhook/index.js';

const url = 'https://vault.example/v1/secrets?key={{ .remoteRef.key }}';

describe('webhook: requestIgnoresProperty', () => {
  it('is true when url, body and headers use only the key, version, namespace and the Secrets', () => {
    assert.equal(requestIgnoresProperty({ url }), true);
    assert.equal(
      requestIgnoresProperty({
        url: 'https://h/{{ .remoteRef.namespace }}/{{ .remoteRef.key }}?v={{ .remoteRef.version }}',
        headers: { Authorization: 'Bearer {{ .auth.token }}' },
        body: '{"key":"{{ .remoteRef.key }}"}',
      }),
      true,
    );
  });

  it('is false for any way a template could reach the property', () => {
    const uses = [
      { url: 'https://h/{{ .remoteRef.key }}/{{ .remoteRef.property }}' },
      { url, body: '{"field":"{{ .remoteRef.property }}"}' },
      { url, headers: { 'X-Field': '{{ .remoteRef.property }}' } },
      { url, body: '{{ toJson .remoteRef }}' },
      { url, body: '{{ with .remoteRef }}{{ .property }}{{ end }}' },
      { url, body: '{{ index .remoteRef "property" }}' },
      { url: 'https://h/{{ $.remoteRef.property }}' },
      { url: 'https://h/{{ .remoteRef.keyAndProperty }}' },
    ];
    for (const spec of uses) assert.equal(requestIgnoresProperty(spec), false, JSON.stringify(spec));
  });

  it('decides per store: the provider shares fetches only for stores whose request ignores the property', () => {
    const provider = new WebhookSecretsProvider();
    const decide = provider.fetchesWholeSecrets;
    const store = (webhook: Record<string, unknown>) => ({ spec: { provider: { webhook } } }) as never;
    assert.equal(decide(store({ url, result: { jsonPath: '$.data.{{ .remoteRef.property }}' } })), true);
    assert.equal(decide(store({ url: `${url}&field={{ .remoteRef.property }}` })), false);
    assert.equal(decide({ spec: { provider: { fake: { data: [] } } } } as never), false);
  });
});
