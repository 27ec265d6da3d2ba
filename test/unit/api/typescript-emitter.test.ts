// The schema -> TypeScript emitter, and the generated types as operator code uses them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeScriptEmitter } from '../../../src/api/emit/typescript.js';
import type { ExternalSecret, SecretStore } from '../../../src/api/generated/types.js';
import { arr, int, intOrString, map, named, obj, preserveUnknown, str } from '../../../src/api/schema/dsl.js';

function emit(name: string, schema: ReturnType<typeof obj>): string {
  const emitter = new TypeScriptEmitter();
  emitter.declare(name, schema);
  return emitter.render('// header');
}

describe('TypeScriptEmitter', () => {
  it('marks required fields as required, others optional, and enums as string-literal unions', () => {
    const out = emit(
      'Thing',
      obj(
        {
          name: str(),
          mode: str({ enum: ['A', 'B'] }),
          count: int(),
          tags: arr(str()),
          labels: map(str()),
          interval: intOrString(),
          when: str({ nullable: true }),
        },
        { required: ['name'] },
      ),
    );
    assert.match(out, /^ {2}name: string;$/m);
    assert.match(out, /^ {2}mode\?: 'A' \| 'B';$/m);
    assert.match(out, /^ {2}count\?: number;$/m);
    assert.match(out, /^ {2}tags\?: string\[\];$/m);
    assert.match(out, /^ {2}labels\?: Record<string, string>;$/m);
    assert.match(out, /^ {2}interval\?: number \| string;$/m);
    assert.match(out, /^ {2}when\?: string \| null;$/m);
  });

  it('emits named sub-schemas once as their own interface and keeps unknown-preserving objects open', () => {
    const ref = named('Ref', obj({ name: str() }, { required: ['name'] }));
    const out = emit(
      'Holder',
      obj({ a: ref, b: ref, extra: preserveUnknown(), open: obj({ x: str() }, { preserveUnknown: true }) }),
    );
    assert.equal(out.match(/export interface Ref \{/g)?.length, 1);
    assert.match(out, /^ {2}a\?: Ref;$/m);
    assert.match(out, /^ {2}extra\?: Record<string, unknown>;$/m);
    assert.match(out, /\[key: string\]: unknown;/);
  });

  it('refuses two different schemas under one name', () => {
    const emitter = new TypeScriptEmitter();
    emitter.declare('Same', obj({ a: str() }));
    assert.throws(() => emitter.declare('Same', obj({ b: str() })), /two different schemas are both named Same/);
  });

  it('produces types that fit real manifests (checked by tsc)', () => {
    const es: ExternalSecret = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'app' },
      spec: {
        secretStoreRef: { name: 'store', kind: 'ClusterSecretStore' },
        target: { creationPolicy: 'Owner', template: { type: 'kubernetes.io/tls' } },
        data: [{ secretKey: 'k', remoteRef: { key: '/a/b', decodingStrategy: 'Base64' } }],
      },
    };
    const ss: SecretStore = {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'SecretStore',
      metadata: { name: 'store' },
      spec: { provider: { aws: { region: 'eu-central-1' } }, refreshInterval: 300 },
    };
    assert.equal(es.spec?.target?.creationPolicy, 'Owner');
    assert.equal(ss.spec?.refreshInterval, 300);
  });
});
