// Emits TypeScript declarations from the CRD schemas. Nodes named with named() become interfaces (or type
// aliases); everything else is written inline. Output is laid out the way Biome formats it, so the generated
// file is lint clean without a formatter pass.
import { type KindDefinition, servedVersions } from '../kinds.js';
import { type Schema, schemaMeta } from '../schema/dsl.js';

const LINE_WIDTH = 120;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The schema without descriptions, defaults and CEL rules (which do not change the type), for telling apart two nodes given the same name. */
function shape(schema: Schema): string {
  const ignored = new Set(['description', 'default', 'x-kubernetes-validations']);
  return JSON.stringify(schema, (key, value) => (ignored.has(key) ? undefined : value));
}

function docComment(text: string | undefined, indent: string): string[] {
  if (!text) return [];
  const safe = text.replace(/\*\//g, '*\\/');
  return [`${indent}/** ${safe} */`];
}

function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : `'${name.replace(/'/g, "\\'")}'`;
}

function literal(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class TypeScriptEmitter {
  private readonly declared = new Map<string, { shape: string; text: string }>();
  private readonly order: string[] = [];

  /** Declares `name` for `schema` (once) and returns the name. */
  declare(name: string, schema: Schema, extraFields: string[] = []): string {
    const existing = this.declared.get(name);
    const schemaShape = shape(schema) + extraFields.join('');
    if (existing) {
      if (existing.shape !== schemaShape) throw new Error(`two different schemas are both named ${name}`);
      return name;
    }
    this.declared.set(name, { shape: schemaShape, text: '' });
    this.order.push(name);
    const isInterface = schema.type === 'object' && Object.keys(schema.properties ?? {}).length > 0;
    const lines = docComment(schema.description, '');
    if (isInterface) {
      lines.push(`export interface ${name} {`, ...extraFields, ...this.members(schema, '  '), '}');
    } else {
      lines.push(...this.alias(name, this.inline(schema, '')));
    }
    this.declared.set(name, { shape: schemaShape, text: lines.join('\n') });
    return name;
  }

  render(header: string): string {
    const blocks = this.order.map((name) => this.declared.get(name)?.text ?? '');
    return `${header}\n${blocks.join('\n\n')}\n`;
  }

  private alias(name: string, type: string): string[] {
    const head = `export type ${name} =`;
    if (`${head} ${type};`.length <= LINE_WIDTH || !type.includes(' | ')) return [`${head} ${type};`];
    return [head, ...type.split(' | ').map((part, i, all) => `  | ${part}${i === all.length - 1 ? ';' : ''}`)];
  }

  private members(schema: Schema, indent: string): string[] {
    const required = new Set(schema.required ?? []);
    const lines: string[] = [];
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      lines.push(...docComment(child.description, indent));
      const head = `${indent}${propertyKey(key)}${required.has(key) ? '' : '?'}:`;
      lines.push(...this.member(head, this.typeOf(child, indent), indent));
    }
    if (schema['x-kubernetes-preserve-unknown-fields']) lines.push(`${indent}[key: string]: unknown;`);
    return lines;
  }

  /** One `name: type;` member, broken the way Biome breaks a long union. */
  private member(head: string, type: string, indent: string): string[] {
    if (`${head} ${type};`.length <= LINE_WIDTH || type.includes('\n') || !type.includes(' | ')) {
      return [`${head} ${type};`];
    }
    const parts = type.split(' | ');
    return [head, ...parts.map((part, i) => `${indent}  | ${part}${i === parts.length - 1 ? ';' : ''}`)];
  }

  private typeOf(schema: Schema, indent: string): string {
    const name = schemaMeta(schema).tsName;
    const type = name ? this.declare(name, schema) : this.inline(schema, indent);
    return schema.nullable ? `${type} | null` : type;
  }

  private inline(schema: Schema, indent: string): string {
    if (schema['x-kubernetes-int-or-string']) return 'number | string';
    if (schema.enum) return schema.enum.map(literal).join(' | ');
    switch (schema.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const item = schema.items ? this.typeOf(schema.items, indent) : 'unknown';
        return item.includes(' | ') && !item.includes('\n') ? `(${item})[]` : `${item}[]`;
      }
      case 'object':
        return this.inlineObject(schema, indent);
      default:
        return 'unknown';
    }
  }

  private inlineObject(schema: Schema, indent: string): string {
    if (schema.additionalProperties) return `Record<string, ${this.typeOf(schema.additionalProperties, indent)}>`;
    const properties = Object.keys(schema.properties ?? {});
    if (properties.length === 0) {
      return schema['x-kubernetes-preserve-unknown-fields'] ? 'Record<string, unknown>' : 'Record<string, never>';
    }
    return `{\n${this.members(schema, `${indent}  `).join('\n')}\n${indent}}`;
  }
}

function apiVersionUnion(kind: KindDefinition): string {
  return servedVersions(kind)
    .map((v) => literal(`${kind.group}/${v}`))
    .join(' | ');
}

/** src/api/generated/types.ts for all kinds. */
export function emitTypes(kinds: readonly KindDefinition[], header: string): string {
  const emitter = new TypeScriptEmitter();
  for (const kind of kinds) {
    const spec = schemaMeta(kind.spec).tsName ?? `${kind.kind}Spec`;
    emitter.declare(spec, kind.spec);
    if (kind.status) emitter.declare(schemaMeta(kind.status).tsName ?? `${kind.kind}Status`, kind.status);
  }
  for (const kind of kinds) {
    const root: Schema = {
      description: kind.description,
      type: 'object',
      properties: {
        spec: kind.spec,
        ...(kind.status ? { status: kind.status } : {}),
      },
    };
    emitter.declare(kind.kind, root, [
      `  apiVersion: ${apiVersionUnion(kind)};`,
      `  kind: '${kind.kind}';`,
      '  metadata: V1ObjectMeta;',
    ]);
  }
  return emitter.render(header);
}
