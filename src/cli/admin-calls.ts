// Store administration as the CLI reaches it: through the gateway, which relays /v1/admin and /v1/audit to the
// store (`custos dev` does). A gateway that does not relay them gets an error that says so.
import { type CallOptions, CliError, call, type Target } from './api-client.js';

export async function adminCall<T>(target: Target, method: string, path: string, options?: CallOptions): Promise<T> {
  try {
    return await call<T>(target, method, path, options);
  } catch (error) {
    if (error instanceof CliError && error.code === 'no_endpoint') {
      throw new CliError(
        `${target.gateway} does not relay store administration (${path}); ` +
          'run this against `custos dev` or a gateway that relays /v1/admin and /v1/audit',
      );
    }
    throw error;
  }
}

export interface AuthMethodView {
  accessId: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  createdAt: string;
}

/** An auth method by name or access id, for commands that accept either. */
export async function findAuthMethod(target: Target, nameOrId: string): Promise<AuthMethodView> {
  const { authMethods } = await adminCall<{ authMethods: AuthMethodView[] }>(target, 'GET', '/v1/admin/auth-methods');
  const found = authMethods.find((m) => m.accessId === nameOrId || m.name === nameOrId);
  if (!found) {
    throw new CliError(`no auth method is named or has access id "${nameOrId}" (see \`custos auth-method list\`)`);
  }
  return found;
}
