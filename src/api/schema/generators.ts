// generators.external-secrets.io/v1alpha1: Password, Fake, UUID and ClusterGenerator (reference/eso.md 1.6).
// More generator kinds are added by writing their spec here and listing them in GENERATOR_SPECS.
import { arr, bool, exactlyOne, int, map, named, obj, preserveUnknown, type Schema, sensitive, str } from './dsl.js';
import { clusterGeneratorKey, GENERATOR_KINDS, type GeneratorKind } from './generator-kinds.js';

export const passwordSpec = named(
  'PasswordSpec',
  obj(
    {
      length: int({ default: 24, description: 'Length of the password.' }),
      digits: int({ description: 'Number of digits; default 25% of length.' }),
      symbols: int({ description: 'Number of symbols; default 25% of length.' }),
      symbolCharacters: str({ description: 'Symbols to choose from.' }),
      noUpper: bool({ default: false, description: 'No upper-case letters.' }),
      allowRepeat: bool({ default: false, description: 'Characters may repeat.' }),
      secretKeys: arr(str(), {
        minItems: 1,
        description: 'Output keys, each with its own password; default ["password"].',
      }),
      encoding: str({ enum: ['base64', 'base64url', 'base32', 'hex', 'raw'], default: 'raw' }),
    },
    { required: ['length', 'noUpper', 'allowRepeat'] },
  ),
);

export const fakeSpec = named(
  'FakeGeneratorSpec',
  obj({
    controller: str({ description: 'Controller class that processes this generator.' }),
    data: sensitive(map(str(), { description: 'Returned verbatim.' })),
  }),
);

export const uuidSpec = named('UUIDSpec', obj({}, { description: 'UUID has no settings.' }));

/** The generators Custos models; every other kind is kept verbatim inside ClusterGenerator. */
export const GENERATOR_SPECS: Partial<Record<GeneratorKind, Schema>> = {
  Password: passwordSpec,
  Fake: fakeSpec,
  UUID: uuidSpec,
};

export const clusterGeneratorSpec = named(
  'ClusterGeneratorSpec',
  obj(
    {
      kind: str({ enum: GENERATOR_KINDS, description: 'Kind of the generator in spec.generator.' }),
      generator: named(
        'GeneratorSpec',
        exactlyOne(
          obj(
            Object.fromEntries(
              GENERATOR_KINDS.map((kind) => [
                clusterGeneratorKey(kind),
                GENERATOR_SPECS[kind] ?? preserveUnknown('Not implemented by Custos; kept as written.'),
              ]),
            ),
            { description: 'The generator settings, under <kind>Spec.' },
          ),
        ),
      ),
    },
    { required: ['kind', 'generator'] },
  ),
);
