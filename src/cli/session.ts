// What every logged-in command shares: the --profile option and the saved profile turned into a call target.
import type { Command } from 'commander';
import type { Target } from './api-client.js';
import { loadProfile } from './profile.js';

export function addProfileOption(command: Command): Command {
  return command.option('--profile <name>', 'the login profile to use (default: the last login)');
}

/** The gateway and token of the chosen profile; an expired token is refused here with the fix. */
export function session(options: { profile?: string }): Target {
  const profile = loadProfile(options.profile);
  if (Date.parse(profile.expiresAt) <= Date.now()) {
    throw new Error(
      `the saved token of profile "${profile.name}" expired at ${profile.expiresAt}: run \`custos login\` again`,
    );
  }
  return { gateway: profile.gateway, caPem: profile.caPem, token: profile.token };
}
