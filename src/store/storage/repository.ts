// The store's queries, written once for both SQL dialects. Every method runs on whatever executor it was given:
// the driver itself (one statement) or a transaction.
import { auditHash } from '../audit/chain.js';
import { AuditGroupCommit } from '../audit/group-commit.js';
import { conflict, notFound } from '../errors.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import type {
  AuditDraft,
  AuditEntry,
  AuthMethodRecord,
  ChangeOp,
  ChangeRecord,
  Envelope,
  FragmentGeneration,
  ItemRecord,
  ListItemsQuery,
  NewItem,
  RoleBinding,
  RoleRecord,
  StoreOps,
  StoreStorage,
  TokenRecord,
  VersionRecord,
} from './types.js';

type Row = Record<string, unknown>;

/** Advisory lock id serialising change-feed appends on PostgreSQL ("custos01" read as a number, arbitrary). */
const changeFeedLock = 0x637573746f73;

const str = (value: unknown) => String(value);
const num = (value: unknown) => Number(value);
const json = <T>(value: unknown): T => JSON.parse(String(value)) as T;

/** Escapes LIKE wildcards so a prefix matches literally (ESCAPE '\'). */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function bindingOf(r: Row): RoleBinding {
  return { role: str(r.role), accessId: str(r.access_id), boundClaims: json(r.bound_claims) };
}

class SqlOps implements StoreOps {
  constructor(protected readonly db: SqlExecutor) {}

  private async itemFromRow(row: Row): Promise<ItemRecord> {
    const tags = await this.db.all<Row>('SELECT tag FROM item_tags WHERE path = ? ORDER BY tag', [row.path]);
    return {
      path: str(row.path),
      type: str(row.type),
      tags: tags.map((t) => str(t.tag)),
      description: str(row.description),
      metadata: json(row.metadata),
      latestVersion: num(row.latest_version),
      createdAt: str(row.created_at),
      updatedAt: str(row.updated_at),
    };
  }

  async getItem(path: string): Promise<ItemRecord | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM items WHERE path = ?', [path]);
    return row ? this.itemFromRow(row) : undefined;
  }

  async getVersion(path: string, version: number): Promise<VersionRecord | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM item_versions WHERE path = ? AND version = ?', [path, version]);
    return row ? versionFromRow(row) : undefined;
  }

  async listVersions(path: string): Promise<{ version: number; createdAt: string }[]> {
    const rows = await this.db.all<Row>(
      'SELECT version, created_at FROM item_versions WHERE path = ? ORDER BY version',
      [path],
    );
    return rows.map((r) => ({ version: num(r.version), createdAt: str(r.created_at) }));
  }

  async pathsUsingKeyId(keyId: string): Promise<string[]> {
    const rows = await this.db.all<Row>('SELECT DISTINCT path FROM item_versions WHERE key_id = ? LIMIT 10', [keyId]);
    return rows.map((r) => str(r.path));
  }

  async createItem(item: NewItem, at: string): Promise<number> {
    const inserted = await this.db.run(
      `INSERT INTO items (path, type, description, metadata, latest_version, created_at, updated_at)
       VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (path) DO NOTHING`,
      [item.path, item.type, item.description, JSON.stringify(item.metadata), at, at],
    );
    if (inserted.changes === 0) throw conflict(`item ${item.path} already exists; write a new version instead`);
    await this.insertVersion(item.path, 1, 1, item, at);
    for (const tag of new Set(item.tags)) {
      await this.db.run('INSERT INTO item_tags (path, tag) VALUES (?, ?)', [item.path, tag]);
    }
    return 1;
  }

  private async insertVersion(
    path: string,
    version: number,
    sealedVersion: number,
    envelope: Envelope,
    at: string,
  ): Promise<void> {
    await this.db.run(
      `INSERT INTO item_versions (path, version, ciphertext, key_id, generation, sealed_version, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [path, version, envelope.ciphertext, envelope.keyId, envelope.generation, sealedVersion, at],
    );
  }

  async addVersion(
    path: string,
    envelope: Envelope,
    at: string,
    options: { expectedVersion?: number; sealedVersion?: number } = {},
  ): Promise<number> {
    const { expectedVersion } = options;
    // One atomic increment: concurrent writers each get their own version number, none is lost.
    const guard = expectedVersion === undefined ? '' : ' AND latest_version = ?';
    const params: unknown[] = [at, path];
    if (expectedVersion !== undefined) params.push(expectedVersion);
    const [row] = await this.db.all<Row>(
      `UPDATE items SET latest_version = latest_version + 1, updated_at = ? WHERE path = ?${guard}
       RETURNING latest_version`,
      params,
    );
    if (!row) {
      const existing = await this.getItem(path);
      if (!existing) throw notFound(`item ${path} does not exist; create it first`);
      throw conflict(`item ${path} is at version ${existing.latestVersion}, not ${expectedVersion}; re-read and retry`);
    }
    const version = num(row.latest_version);
    await this.insertVersion(path, version, options.sealedVersion ?? version, envelope, at);
    return version;
  }

  async updateItemMeta(
    path: string,
    change: { tags?: string[]; description?: string },
    at: string,
  ): Promise<ItemRecord> {
    const updated = await this.db.run(
      'UPDATE items SET description = COALESCE(?, description), updated_at = ? WHERE path = ?',
      [change.description ?? null, at, path],
    );
    if (updated.changes === 0) throw notFound(`item ${path} does not exist`);
    if (change.tags) {
      await this.db.run('DELETE FROM item_tags WHERE path = ?', [path]);
      for (const tag of new Set(change.tags)) {
        await this.db.run('INSERT INTO item_tags (path, tag) VALUES (?, ?)', [path, tag]);
      }
    }
    return (await this.getItem(path))!;
  }

  async deleteItem(path: string): Promise<boolean> {
    const deleted = await this.db.run('DELETE FROM items WHERE path = ?', [path]);
    await this.db.run('DELETE FROM item_versions WHERE path = ?', [path]);
    await this.db.run('DELETE FROM item_tags WHERE path = ?', [path]);
    return deleted.changes > 0;
  }

  async listItems(query: ListItemsQuery): Promise<ItemRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.prefix !== '/') {
      where.push("path LIKE ? ESCAPE '\\'");
      params.push(likePrefix(query.prefix));
    }
    if (query.after !== undefined) {
      where.push('path > ?');
      params.push(query.after);
    }
    if (query.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM item_tags t WHERE t.path = items.path AND t.tag = ?)');
      params.push(query.tag);
    }
    params.push(query.limit);
    const rows = await this.db.all<Row>(
      `SELECT * FROM items${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY path LIMIT ?`,
      params,
    );
    const items: ItemRecord[] = [];
    for (const row of rows) items.push(await this.itemFromRow(row));
    return items;
  }

  async rewrapCandidates(belowGeneration: number, limit: number): Promise<VersionRecord[]> {
    const rows = await this.db.all<Row>(
      'SELECT * FROM item_versions WHERE generation < ? ORDER BY generation, path, version LIMIT ?',
      [belowGeneration, limit],
    );
    return rows.map(versionFromRow);
  }

  async replaceEnvelope(path: string, version: number, fromGeneration: number, envelope: Envelope): Promise<boolean> {
    const updated = await this.db.run(
      `UPDATE item_versions SET ciphertext = ?, key_id = ?, generation = ?
       WHERE path = ? AND version = ? AND generation = ?`,
      [envelope.ciphertext, envelope.keyId, envelope.generation, path, version, fromGeneration],
    );
    return updated.changes > 0;
  }

  async appendChange(path: string, version: number, op: ChangeOp, at: string): Promise<number> {
    // PostgreSQL hands out sequence numbers before commit, so two writers could commit 6 before 5 and a feed
    // reader past 6 would never see 5. Taking a transaction lock first makes seq order equal commit order.
    // (SQLite writers are serialised already.)
    if (this.db.dialect === 'postgres') await this.db.all('SELECT pg_advisory_xact_lock(?)', [changeFeedLock]);
    const [row] = await this.db.all<Row>(
      'INSERT INTO changes (path, version, op, at) VALUES (?, ?, ?, ?) RETURNING seq',
      [path, version, op, at],
    );
    return num(row!.seq);
  }

  async listChanges(since: number, limit: number): Promise<ChangeRecord[]> {
    const rows = await this.db.all<Row>('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?', [since, limit]);
    return rows.map((r) => ({
      seq: num(r.seq),
      path: str(r.path),
      version: num(r.version),
      op: str(r.op) as ChangeOp,
      at: str(r.at),
    }));
  }

  async lastChangeSeq(): Promise<number> {
    const [row] = await this.db.all<Row>('SELECT MAX(seq) AS seq FROM changes');
    return row?.seq == null ? 0 : num(row.seq);
  }

  async putAuthMethod(method: AuthMethodRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO auth_methods (access_id, name, type, config, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (access_id) DO UPDATE SET name = excluded.name, type = excluded.type, config = excluded.config`,
      [method.accessId, method.name, method.type, JSON.stringify(method.config), method.createdAt],
    );
  }

  async getAuthMethod(accessId: string): Promise<AuthMethodRecord | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM auth_methods WHERE access_id = ?', [accessId]);
    return row ? authMethodFromRow(row) : undefined;
  }

  async listAuthMethods(): Promise<AuthMethodRecord[]> {
    return (await this.db.all<Row>('SELECT * FROM auth_methods ORDER BY name')).map(authMethodFromRow);
  }

  async deleteAuthMethod(accessId: string): Promise<boolean> {
    await this.db.run('DELETE FROM role_bindings WHERE access_id = ?', [accessId]);
    return (await this.db.run('DELETE FROM auth_methods WHERE access_id = ?', [accessId])).changes > 0;
  }

  async putRole(role: RoleRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO roles (name, rules, system, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET rules = excluded.rules, system = excluded.system,
       updated_at = excluded.updated_at`,
      [role.name, JSON.stringify(role.rules), JSON.stringify(role.system), role.createdAt, role.updatedAt],
    );
  }

  async getRole(name: string): Promise<RoleRecord | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM roles WHERE name = ?', [name]);
    return row ? roleFromRow(row) : undefined;
  }

  async listRoles(): Promise<RoleRecord[]> {
    return (await this.db.all<Row>('SELECT * FROM roles ORDER BY name')).map(roleFromRow);
  }

  async deleteRole(name: string): Promise<boolean> {
    await this.db.run('DELETE FROM role_bindings WHERE role = ?', [name]);
    return (await this.db.run('DELETE FROM roles WHERE name = ?', [name])).changes > 0;
  }

  async putBinding(binding: RoleBinding): Promise<void> {
    await this.db.run(
      `INSERT INTO role_bindings (role, access_id, bound_claims) VALUES (?, ?, ?)
       ON CONFLICT (role, access_id) DO UPDATE SET bound_claims = excluded.bound_claims`,
      [binding.role, binding.accessId, JSON.stringify(binding.boundClaims)],
    );
  }

  async deleteBinding(role: string, accessId: string): Promise<boolean> {
    return (
      (await this.db.run('DELETE FROM role_bindings WHERE role = ? AND access_id = ?', [role, accessId])).changes > 0
    );
  }

  async bindingsFor(accessId: string): Promise<RoleBinding[]> {
    const rows = await this.db.all<Row>('SELECT * FROM role_bindings WHERE access_id = ? ORDER BY role', [accessId]);
    return rows.map(bindingOf);
  }

  async listBindings(): Promise<RoleBinding[]> {
    return (await this.db.all<Row>('SELECT * FROM role_bindings ORDER BY role, access_id', [])).map(bindingOf);
  }

  async putToken(token: TokenRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO tokens (token_hash, access_id, claims, expires_at, revoked, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      [
        token.tokenHash,
        token.accessId,
        JSON.stringify(token.claims),
        token.expiresAt,
        token.revoked ? 1 : 0,
        token.createdAt,
      ],
    );
  }

  async getToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const [row] = await this.db.all<Row>('SELECT * FROM tokens WHERE token_hash = ?', [tokenHash]);
    if (!row) return undefined;
    return {
      tokenHash: str(row.token_hash),
      accessId: str(row.access_id),
      claims: json(row.claims),
      expiresAt: str(row.expires_at),
      revoked: num(row.revoked) !== 0,
      createdAt: str(row.created_at),
    };
  }

  async revokeToken(tokenHash: string): Promise<boolean> {
    return (await this.db.run('UPDATE tokens SET revoked = 1 WHERE token_hash = ?', [tokenHash])).changes > 0;
  }

  async deleteExpiredTokens(now: string): Promise<number> {
    return (await this.db.run('DELETE FROM tokens WHERE expires_at < ?', [now])).changes;
  }

  async appendAudit(draft: AuditDraft): Promise<AuditEntry> {
    const [entry] = await this.appendAuditBatch([draft]);
    return entry!;
  }

  /** Appends `drafts` as consecutive entries, each chained to the one before, in one head update. */
  async appendAuditBatch(drafts: AuditDraft[]): Promise<AuditEntry[]> {
    if (drafts.length === 0) return [];
    // Bumping the head row first locks it (PostgreSQL row lock, SQLite write lock) until commit: one chain, no forks,
    // also between several store processes sharing one database.
    const [head] = await this.db.all<Row>('UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash', [
      drafts.length,
    ]);
    if (!head) throw new Error('audit_head row is missing; the audit log cannot be appended to');
    let seq = num(head.seq) - drafts.length;
    let prevHash = str(head.hash);
    const entries = drafts.map((draft): AuditEntry => {
      seq += 1;
      const hash = auditHash(prevHash, { ...draft, seq });
      const entry = { ...draft, seq, prevHash, hash };
      prevHash = hash;
      return entry;
    });
    // One multi-row insert: 9 parameters a row stays far below both databases' limits at the batch sizes used.
    await this.db.run(
      `INSERT INTO audit_log (seq, at, actor, action, path, outcome, detail, prev_hash, hash)
       VALUES ${entries.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      entries.flatMap((e) => [
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.path,
        e.outcome,
        JSON.stringify(e.detail),
        e.prevHash,
        e.hash,
      ]),
    );
    await this.db.run('UPDATE audit_head SET hash = ? WHERE id = 1', [prevHash]);
    return entries;
  }

  async listAudit(fromSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.all<Row>('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?', [
      fromSeq,
      limit,
    ]);
    return rows.map((r) => ({
      seq: num(r.seq),
      at: str(r.at),
      actor: str(r.actor),
      action: str(r.action),
      path: str(r.path),
      outcome: str(r.outcome),
      detail: json(r.detail),
      prevHash: str(r.prev_hash),
      hash: str(r.hash),
    }));
  }

  async putGeneration(generation: FragmentGeneration): Promise<void> {
    const inserted = await this.db.run(
      'INSERT INTO fragment_generations (generation, sealed, created_at) VALUES (?, ?, ?) ON CONFLICT (generation) DO NOTHING',
      [generation.generation, generation.sealed, generation.createdAt],
    );
    if (inserted.changes === 0) throw conflict(`fragment generation ${generation.generation} already exists`);
  }

  async listGenerations(): Promise<FragmentGeneration[]> {
    const rows = await this.db.all<Row>('SELECT * FROM fragment_generations ORDER BY generation');
    return rows.map((r) => ({ generation: num(r.generation), sealed: str(r.sealed), createdAt: str(r.created_at) }));
  }
}

function versionFromRow(row: Row): VersionRecord {
  return {
    path: str(row.path),
    version: num(row.version),
    ciphertext: str(row.ciphertext),
    keyId: str(row.key_id),
    generation: num(row.generation),
    sealedVersion: num(row.sealed_version),
    createdAt: str(row.created_at),
  };
}

function authMethodFromRow(row: Row): AuthMethodRecord {
  return {
    accessId: str(row.access_id),
    name: str(row.name),
    type: str(row.type) as AuthMethodRecord['type'],
    config: json(row.config),
    createdAt: str(row.created_at),
  };
}

function roleFromRow(row: Row): RoleRecord {
  return {
    name: str(row.name),
    rules: json(row.rules),
    system: json(row.system),
    createdAt: str(row.created_at),
    updatedAt: str(row.updated_at),
  };
}

export interface StorageOptions {
  /** most audit entries one group commit writes in a transaction (default 256) */
  auditBatchSize?: number;
}

export class SqlStorage extends SqlOps implements StoreStorage {
  private readonly auditCommit: AuditGroupCommit;

  constructor(
    private readonly driver: SqlDriver,
    options: StorageOptions = {},
  ) {
    super(driver);
    this.auditCommit = new AuditGroupCommit(
      (drafts) => this.driver.transaction((executor) => new SqlOps(executor).appendAuditBatch(drafts)),
      options.auditBatchSize,
    );
  }
  get backend() {
    return this.driver.dialect;
  }
  get auditBatches() {
    return this.auditCommit.batches;
  }
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T> {
    return this.driver.transaction((executor) => fn(new SqlOps(executor)));
  }

  /**
   * Outside a caller's transaction, appends are group-committed: they wait for the next batch, which is written in
   * one transaction; each resolves once its batch is committed, and all of a batch fail together.
   */
  override appendAudit(draft: AuditDraft): Promise<AuditEntry> {
    return this.auditCommit.append(draft);
  }
  async close(): Promise<void> {
    await this.auditCommit.idle();
    await this.driver.close();
  }
}
