// A throwaway real OpenLDAP server for the LDAP logins of the tests: the Debian `slapd` (package `slapd`, with
// `ldap-utils` for ldapadd/ldapwhoami) run by hand on a free 127.0.0.1 port with its own slapd.conf and mdb
// database in a temp dir — never the system's /etc/ldap configuration or its service. The directory holds
// dc=custos,dc=test with ou=people; users are inetOrgPerson entries uid=<name>,ou=people,... with a userPassword.
// Without the binaries the LDAP tests skip with a one-line reason, except under CI=true, where that is a failure.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './e2e-processes.js';

const SLAPD = '/usr/sbin/slapd';
const SCHEMA = '/etc/ldap/schema';
const MODULES = '/usr/lib/ldap';

export interface LdapServer {
  /** ldap://127.0.0.1:PORT */
  url: string;
  /** dc=custos,dc=test */
  baseDn: string;
  /** ou=people,<baseDn>: where addUser puts users */
  usersDn: string;
  /** the directory's root DN and its password (can read and write everything) */
  bindDn: string;
  bindPassword: string;
  /** Adds uid=<uid>,<usersDn> with this password; resolves to the user's DN. */
  addUser(uid: string, password: string): Promise<string>;
  /** What slapd wrote so far. */
  logs(): string;
  /** SIGTERM (SIGKILL after 10 s); resolves when the process is gone and its files are removed. */
  stop(): Promise<void>;
}

function slapdBinary(): string | undefined {
  if (existsSync(SLAPD)) return SLAPD;
  const r = spawnSync('sh', ['-c', 'command -v slapd'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function missing(): string | undefined {
  if (!slapdBinary()) return 'slapd is not installed (apt-get install slapd ldap-utils)';
  if (!hasCommand('ldapadd') || !hasCommand('ldapwhoami'))
    return 'ldap-utils is not installed (apt-get install ldap-utils)';
  for (const f of ['core', 'cosine', 'inetorgperson']) {
    if (!existsSync(join(SCHEMA, `${f}.schema`))) return `the OpenLDAP schema ${SCHEMA}/${f}.schema is missing`;
  }
  return undefined;
}

/** Why the LDAP tests skip, or undefined when they can run. Under CI=true a missing slapd is a failure. */
export function ldapSkipReason(): string | undefined {
  const reason = missing();
  if (reason && process.env.CI === 'true') throw new Error(`CI needs a real OpenLDAP server: ${reason}`);
  return reason;
}

const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Whatever happens to the test, no slapd outlives the test process.
  process.on('exit', () => {
    for (const [child, dir] of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function run(file: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { encoding: 'utf8', timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}${error && code === -1 ? error.message : ''}` });
    });
    child.stdin?.end(input ?? '');
  });
}

/**
 * Starts slapd on a free port and resolves once the root DN can bind. A free port can be taken by another process
 * before slapd binds it (test files run in parallel): another one is then tried.
 */
export async function startLdap(): Promise<LdapServer> {
  const reason = missing();
  if (reason) throw new Error(reason);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt < 4 && /Address already in use|bind\(\) failed|daemon: bind/i.test((error as Error).message))
        continue;
      throw error;
    }
  }
}

async function startOnce(): Promise<LdapServer> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'custos-ldap-'));
  const baseDn = 'dc=custos,dc=test';
  const usersDn = `ou=people,${baseDn}`;
  const bindDn = `cn=admin,${baseDn}`;
  const bindPassword = 'ldap-admin-Pw-4410';
  let binary = slapdBinary() as string;
  // Ubuntu's AppArmor profile for /usr/sbin/slapd only lets it open files below /etc/ldap and /var/lib/ldap; a copy
  // of the binary in our own directory is not under that profile and can use the temp dir.
  if (existsSync('/etc/apparmor.d/usr.sbin.slapd')) {
    copyFileSync(binary, join(dir, 'slapd'));
    binary = join(dir, 'slapd');
  }
  const dbDir = join(dir, 'db');
  mkdirSync(dbDir);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      ...['core', 'cosine', 'inetorgperson'].map((s) => `include ${SCHEMA}/${s}.schema`),
      `pidfile ${join(dir, 'slapd.pid')}`,
      `modulepath ${MODULES}`,
      'moduleload back_mdb',
      'database mdb',
      `suffix "${baseDn}"`,
      `rootdn "${bindDn}"`,
      `rootpw ${bindPassword}`,
      `directory ${dbDir}`,
      'maxsize 16777216',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const base = join(dir, 'base.ldif');
  writeFileSync(
    base,
    [
      `dn: ${baseDn}`,
      'objectClass: dcObject',
      'objectClass: organization',
      'dc: custos',
      'o: Custos',
      '',
      `dn: ${usersDn}`,
      'objectClass: organizationalUnit',
      'ou: people',
      '',
    ].join('\n'),
  );
  // slapadd is slapd under another name: it loads the LDIF into the database before the server starts.
  const added = spawnSync(binary, ['-f', conf, '-l', base], { argv0: 'slapadd', encoding: 'utf8', timeout: 30_000 });
  if (added.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`slapadd failed (exit ${added.status ?? added.signal}):\n${added.stderr}${added.error ?? ''}`);
  }

  const url = `ldap://127.0.0.1:${await freePort()}`;
  // -d 0: stay in the foreground (no fork), so the child is slapd itself and its exit is seen.
  const child = spawn(binary, ['-h', `${url}/`, '-f', conf, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, dir);
  let output = '';
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-100_000);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    const gone = (error?: Error) => {
      if (error instanceof Error) spawnError = error;
      resolve();
    };
    child.once('exit', () => gone());
    child.once('error', gone);
  });
  const alive = () => !spawnError && child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (alive()) child.kill('SIGTERM');
    const timer = setTimeout(() => alive() && child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const who = await run('ldapwhoami', ['-x', '-H', url, '-D', bindDn, '-w', bindPassword]);
      if (who.code === 0) break;
      if (!alive()) {
        await exited;
        const how = spawnError?.message ?? `exited (${child.exitCode ?? child.signalCode})`;
        throw new Error(`slapd ${how} before serving ${url}:\n${output}`);
      }
      if (Date.now() > deadline)
        throw new Error(`slapd at ${url} does not answer a bind in 30 s: ${who.out}\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const addUser = async (uid: string, password: string): Promise<string> => {
    const dn = `uid=${uid},${usersDn}`;
    const ldif = [
      `dn: ${dn}`,
      'objectClass: inetOrgPerson',
      `uid: ${uid}`,
      `cn: ${uid}`,
      `sn: ${uid}`,
      `userPassword: ${password}`,
      '',
    ].join('\n');
    const r = await run('ldapadd', ['-x', '-H', url, '-D', bindDn, '-w', bindPassword], ldif);
    if (r.code !== 0) throw new Error(`ldapadd ${dn} failed (exit ${r.code}): ${r.out}`);
    return dn;
  };

  return { url, baseDn, usersDn, bindDn, bindPassword, addUser, logs: () => output, stop };
}
