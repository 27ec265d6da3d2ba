// What users of ESO manifests and kubectl notice in the CRDs: names, short names, categories, versions, defaults,
// printer columns, and which provider blocks exist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allCrds, type CustomResourceDefinition } from '../../../src/api/crds.js';
import type { Schema } from '../../../src/api/schema/dsl.js';
import { clusterGeneratorKey } from '../../../src/api/schema/generator-kinds.js';

const crds = allCrds();

function crd(name: string): CustomResourceDefinition {
  const found = crds.find((c) => c.metadata.name === name);
  assert.ok(found, `CRD ${name} exists`);
  return found;
}

function at(schema: Schema | undefined, path: string): Schema {
  let node = schema;
  for (const key of path.split('.')) {
    node = key === '[]' ? node?.items : node?.properties?.[key];
    assert.ok(node, `schema has ${path} (stopped at ${key})`);
  }
  return node as Schema;
}

function specOf(name: string, version?: string): Schema {
  const versions = crd(name).spec.versions;
  const v = version ? versions.find((x) => x.name === version) : versions.find((x) => x.storage);
  assert.ok(v, `${name} serves ${version ?? 'a storage version'}`);
  return at(v.schema.openAPIV3Schema, 'spec');
}

describe('CRD definitions', () => {
  it('cover the ESO kinds and the Password, Fake, UUID, SSHKey, MFA, Webhook, GithubAccessToken, VaultDynamicSecret, ECRAuthorizationToken, STSSessionToken, GCRAccessToken, QuayAccessToken, ACRAccessToken, CloudsmithAccessToken and ClusterGenerator generators', () => {
    assert.deepEqual(crds.map((c) => c.metadata.name).sort(), [
      'acraccesstokens.generators.external-secrets.io',
      'cloudsmithaccesstokens.generators.external-secrets.io',
      'clusterexternalsecrets.external-secrets.io',
      'clustergenerators.generators.external-secrets.io',
      'clusterpushsecrets.external-secrets.io',
      'clustersecretstores.external-secrets.io',
      'ecrauthorizationtokens.generators.external-secrets.io',
      'externalsecrets.external-secrets.io',
      'fakes.generators.external-secrets.io',
      'gcraccesstokens.generators.external-secrets.io',
      'githubaccesstokens.generators.external-secrets.io',
      'mfas.generators.external-secrets.io',
      'passwords.generators.external-secrets.io',
      'pushsecrets.external-secrets.io',
      'quayaccesstokens.generators.external-secrets.io',
      'secretstores.external-secrets.io',
      'sshkeys.generators.external-secrets.io',
      'stssessiontokens.generators.external-secrets.io',
      'uuids.generators.external-secrets.io',
      'vaultdynamicsecrets.generators.external-secrets.io',
      'webhooks.generators.external-secrets.io',
    ]);
  });

  it("use ESO's short names, scopes, categories and component label", () => {
    const expect: Record<string, [string | undefined, string]> = {
      'externalsecrets.external-secrets.io': ['es', 'Namespaced'],
      'secretstores.external-secrets.io': ['ss', 'Namespaced'],
      'clustersecretstores.external-secrets.io': ['css', 'Cluster'],
      'clusterexternalsecrets.external-secrets.io': ['ces', 'Cluster'],
      'pushsecrets.external-secrets.io': ['ps', 'Namespaced'],
      'clusterpushsecrets.external-secrets.io': [undefined, 'Cluster'],
      'clustergenerators.generators.external-secrets.io': [undefined, 'Cluster'],
    };
    for (const [name, [shortName, scope]] of Object.entries(expect)) {
      assert.deepEqual(crd(name).spec.names.shortNames, shortName ? [shortName] : undefined, name);
      assert.equal(crd(name).spec.scope, scope, name);
    }
    for (const c of crds) {
      assert.equal(c.metadata.labels['external-secrets.io/component'], 'controller');
      const generator = c.spec.group === 'generators.external-secrets.io';
      assert.deepEqual(
        c.spec.names.categories,
        generator ? ['external-secrets', 'external-secrets-generators'] : ['external-secrets'],
      );
    }
  });

  it('serve v1beta1 next to v1 for the four v1 kinds, identical schema, v1 stored, no conversion webhook', () => {
    for (const plural of ['externalsecrets', 'secretstores', 'clustersecretstores', 'clusterexternalsecrets']) {
      const c = crd(`${plural}.external-secrets.io`);
      assert.deepEqual(
        c.spec.versions.map((v) => [v.name, v.served, v.storage]),
        [
          ['v1', true, true],
          ['v1beta1', true, false],
        ],
      );
      assert.deepEqual(c.spec.conversion, { strategy: 'None' });
      const [v1, v1beta1] = c.spec.versions;
      assert.deepEqual(v1beta1?.schema, v1?.schema);
      assert.deepEqual(v1beta1?.additionalPrinterColumns, v1?.additionalPrinterColumns);
    }
    assert.deepEqual(
      crd('pushsecrets.external-secrets.io').spec.versions.map((v) => v.name),
      ['v1alpha1'],
    );
  });

  it('default an ExternalSecret target to Owner/Retain and its refresh interval to 1h0m0s', () => {
    const spec = specOf('externalsecrets.external-secrets.io');
    assert.deepEqual(at(spec, 'target').default, { creationPolicy: 'Owner', deletionPolicy: 'Retain' });
    assert.equal(at(spec, 'refreshInterval').default, '1h0m0s');
    assert.deepEqual(at(spec, 'target.creationPolicy').enum, ['Owner', 'Orphan', 'Merge', 'None', 'CreateOrMerge']);
    assert.deepEqual(at(spec, 'target.deletionPolicy').enum, ['Delete', 'Merge', 'Retain']);
    assert.deepEqual(at(spec, 'secretStoreRef.kind').enum, ['SecretStore', 'ClusterSecretStore']);
    // ESO 2.9 has no CRD defaults for the remoteRef strategies (issue #6797): an empty value must stay empty.
    for (const field of ['conversionStrategy', 'decodingStrategy', 'metadataPolicy', 'nullBytePolicy']) {
      assert.equal(at(spec, `data.[].remoteRef.${field}`).default, undefined, field);
    }
    assert.deepEqual(at(spec, 'data.[]').required, ['secretKey', 'remoteRef']);
  });

  it('require exactly one provider per store, and keep unmodelled providers verbatim', () => {
    const provider = at(specOf('secretstores.external-secrets.io'), 'provider');
    assert.equal(provider.minProperties, 1);
    assert.equal(provider.maxProperties, 1);
    const keys = Object.keys(provider.properties ?? {});
    for (const key of ['custos', 'akeyless', 'vault', 'openBao', 'onepassword', 'kubernetes', 'webhook', 'fake']) {
      assert.ok(keys.includes(key), key);
      assert.notEqual(provider.properties?.[key]?.['x-kubernetes-preserve-unknown-fields'], true, key);
    }
    for (const key of ['aws', 'azurekv', 'gcpsm', 'conjur', 'ibm', 'oracle', 'doppler', 'infisical']) {
      assert.deepEqual(provider.properties?.[key]?.['x-kubernetes-preserve-unknown-fields'], true, key);
    }
    // ESO v2.9 has 43 provider keys; Custos adds its own.
    assert.equal(keys.length, 44);
  });

  it('declare the ESO printer columns and field selectors for ExternalSecret', () => {
    const v1 = crd('externalsecrets.external-secrets.io').spec.versions[0];
    assert.deepEqual(
      v1?.additionalPrinterColumns?.map((c) => c.name),
      ['StoreType', 'Store', 'Refresh Interval', 'Status', 'Ready', 'Last Sync'],
    );
    assert.deepEqual(
      v1?.selectableFields?.map((f) => f.jsonPath),
      ['.spec.secretStoreRef.name', '.spec.secretStoreRef.kind', '.spec.target.name', '.spec.refreshInterval'],
    );
    assert.deepEqual(v1?.subresources, { status: {} });
    const store = crd('secretstores.external-secrets.io').spec.versions[0];
    assert.deepEqual(
      store?.additionalPrinterColumns?.map((c) => c.name),
      ['AGE', 'Status', 'Capabilities', 'Ready'],
    );
  });

  it("give PushSecret ESO's defaults and one-of selector", () => {
    const spec = specOf('pushsecrets.external-secrets.io');
    assert.equal(at(spec, 'refreshInterval').default, '1h0m0s');
    assert.equal(at(spec, 'updatePolicy').default, 'Replace');
    assert.equal(at(spec, 'deletionPolicy').default, 'None');
    assert.equal(at(spec, 'secretStoreRefs.[].kind').default, 'SecretStore');
    // Not conversionStrategy (ESO issue #6887: a default inside a list item is a permanent GitOps diff).
    assert.equal(at(spec, 'data.[].conversionStrategy').default, undefined);
    assert.equal(at(spec, 'dataTo.[].conversionStrategy').default, undefined);
    assert.equal(at(spec, 'selector').maxProperties, 1);
    assert.deepEqual(spec.required, ['secretStoreRefs', 'selector']);
  });

  it('key ClusterGenerator specs as ESO does (uuidSpec, sshKeySpec, acrAccessTokenSpec)', () => {
    assert.equal(clusterGeneratorKey('UUID'), 'uuidSpec');
    assert.equal(clusterGeneratorKey('SSHKey'), 'sshKeySpec');
    assert.equal(clusterGeneratorKey('ACRAccessToken'), 'acrAccessTokenSpec');
    assert.equal(clusterGeneratorKey('Password'), 'passwordSpec');
    assert.equal(clusterGeneratorKey('GithubAccessToken'), 'githubAccessTokenSpec');
    const generator = at(specOf('clustergenerators.generators.external-secrets.io'), 'generator');
    assert.equal(at(generator, 'passwordSpec.length').default, 24);
    assert.equal(generator.maxProperties, 1);
  });
});
