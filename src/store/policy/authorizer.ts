// Resolves what an authenticated identity may do: its role bindings (filtered by bound claims), their rules
// compiled against its claims, and its system capabilities.
import type { StoreOps, SystemCapability } from '../storage/types.js';
import { type CompiledRule, claimsSatisfy, compileRules, isAllowed } from './rules.js';

export interface Identity {
  accessId: string;
  claims: Record<string, string>;
}

export interface Permissions {
  can(path: string, capability: 'read' | 'list' | 'create' | 'update' | 'delete'): boolean;
  hasSystem(capability: SystemCapability): boolean;
  /** the role names that applied, for the audit log */
  roles: string[];
}

export async function permissionsFor(storage: StoreOps, identity: Identity): Promise<Permissions> {
  const rules: CompiledRule[] = [];
  const system = new Set<SystemCapability>();
  const roles: string[] = [];
  for (const binding of await storage.bindingsFor(identity.accessId)) {
    if (!claimsSatisfy(binding.boundClaims, identity.claims)) continue;
    const role = await storage.getRole(binding.role);
    if (!role) continue;
    roles.push(role.name);
    rules.push(...compileRules(role.rules, identity.claims));
    for (const capability of role.system) system.add(capability);
  }
  return {
    can: (path, capability) => isAllowed(rules, path, capability),
    hasSystem: (capability) => system.has(capability),
    roles,
  };
}
