// Administration shared by the HTTP admin calls and the CLI: roles, bindings, auth methods, bootstrap.
import type { AuthService } from './auth/service.js';
import { conflict, invalid } from './errors.js';
import { globProblem } from './policy/glob.js';
import { capabilities } from './policy/rules.js';
import type { Capability, PathRule, RoleRecord, StoreOps, SystemCapability } from './storage/types.js';

const systemCapabilities: readonly SystemCapability[] = ['fragment', 'admin', 'audit'];
const namePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw invalid(
      `${kind} name must be 1-63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

export function checkRules(rules: unknown): PathRule[] {
  if (!Array.isArray(rules) || rules.length > 256) throw invalid('"rules" must be an array of at most 256 rules');
  return rules.map((rule, index) => {
    const r = rule as { path?: unknown; capabilities?: unknown };
    const problem = globProblem(r?.path);
    if (problem) throw invalid(`rule ${index}: ${problem}`);
    if (!Array.isArray(r.capabilities) || r.capabilities.length === 0) {
      throw invalid(`rule ${index}: "capabilities" must be a non-empty array of ${capabilities.join(', ')}`);
    }
    for (const c of r.capabilities) {
      if (!capabilities.includes(c as Capability)) {
        throw invalid(`rule ${index}: unknown capability "${String(c)}"; use ${capabilities.join(', ')}`);
      }
    }
    return { path: r.path as string, capabilities: [...new Set(r.capabilities as Capability[])] };
  });
}

export function checkSystem(system: unknown): SystemCapability[] {
  if (system === undefined) return [];
  if (!Array.isArray(system) || system.some((s) => !systemCapabilities.includes(s as SystemCapability))) {
    throw invalid(`"system" must be an array of ${systemCapabilities.join(', ')}`);
  }
  return [...new Set(system as SystemCapability[])];
}

export function checkBoundClaims(bound: unknown): Record<string, string[]> {
  if (bound === undefined || bound === null) return {};
  if (typeof bound !== 'object' || Array.isArray(bound)) throw invalid('"boundClaims" must be an object');
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(bound as Record<string, unknown>)) {
    const list = typeof values === 'string' ? [values] : values;
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
      throw invalid(`bound claim "${name}" must be a string or an array of strings`);
    }
    out[name] = list as string[];
  }
  return out;
}

export async function putRole(
  storage: StoreOps,
  input: { name: unknown; rules: unknown; system?: unknown },
): Promise<RoleRecord> {
  const name = checkName('role', input.name);
  const now = new Date().toISOString();
  const existing = await storage.getRole(name);
  const role: RoleRecord = {
    name,
    rules: checkRules(input.rules),
    system: checkSystem(input.system),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await storage.putRole(role);
  return role;
}

export interface BootstrapResult {
  admin: { accessId: string; accessKey: string };
  gateway: { accessId: string; accessKey: string };
}

/**
 * First start: an `admin` role (every path, every system capability) with an admin API key, and a `gateway` role
 * (fragment administration only; item access always uses the caller's own token) with the gateway's API key.
 */
export async function bootstrap(storage: StoreOps, auth: AuthService): Promise<BootstrapResult> {
  const methods = await storage.listAuthMethods();
  if (methods.some((m) => m.name === 'admin' || m.name === 'gateway')) {
    throw conflict('the store is already bootstrapped (auth methods "admin"/"gateway" exist)');
  }
  await putRole(storage, {
    name: 'admin',
    rules: [{ path: '/*', capabilities: ['read', 'list', 'create', 'update', 'delete'] }],
    system: ['admin', 'audit', 'fragment'],
  });
  await putRole(storage, { name: 'gateway', rules: [], system: ['fragment'] });
  const admin = await auth.createApiKey('admin', storage);
  const gateway = await auth.createApiKey('gateway', storage);
  await storage.putBinding({ role: 'admin', accessId: admin.accessId, boundClaims: {} });
  await storage.putBinding({ role: 'gateway', accessId: gateway.accessId, boundClaims: {} });
  return {
    admin: { accessId: admin.accessId, accessKey: admin.accessKey },
    gateway: { accessId: gateway.accessId, accessKey: gateway.accessKey },
  };
}
