// The storage contract of the store. Two drivers (SQLite, PostgreSQL) sit under one SQL repository, so both
// backends share every query and the same test suite. Nothing stored here can decrypt an envelope: ciphertext is
// opaque, fragments are sealed by the root key, API keys and tokens are stored hashed.

export interface Envelope {
  /** base64 of the gateway's envelope JSON; opaque to the store */
  ciphertext: string;
  /** base64 of the 16-byte key id chosen by the gateway */
  keyId: string;
  /** store fragment generation the envelope was wrapped with */
  generation: number;
}

export interface ItemRecord {
  path: string;
  type: string;
  tags: string[];
  description: string;
  metadata: Record<string, string>;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface VersionRecord extends Envelope {
  path: string;
  version: number;
  /** the version whose associated data the envelope was sealed with: differs from `version` after a rollback */
  sealedVersion: number;
  createdAt: string;
}

export interface NewItem extends Envelope {
  path: string;
  type: string;
  tags: string[];
  description: string;
  metadata: Record<string, string>;
}

export interface ListItemsQuery {
  prefix: string;
  tag?: string;
  /** exclusive: only paths sorted after this one */
  after?: string;
  limit: number;
}

export type ChangeOp = 'create' | 'update' | 'delete';

export interface ChangeRecord {
  seq: number;
  path: string;
  version: number;
  op: ChangeOp;
  at: string;
}

export type AuthMethodType = 'api_key' | 'kubernetes' | 'jwt';

export interface AuthMethodRecord {
  accessId: string;
  name: string;
  type: AuthMethodType;
  /** type-specific settings; for api_key the key hash, never the key */
  config: Record<string, unknown>;
  createdAt: string;
}

export type Capability = 'read' | 'list' | 'create' | 'update' | 'delete' | 'deny';
export type SystemCapability = 'fragment' | 'admin' | 'audit';

export interface PathRule {
  path: string;
  capabilities: Capability[];
}

export interface RoleRecord {
  name: string;
  rules: PathRule[];
  system: SystemCapability[];
  createdAt: string;
  updatedAt: string;
}

export interface RoleBinding {
  role: string;
  accessId: string;
  /** every listed claim must equal one of the values for the binding to apply */
  boundClaims: Record<string, string[]>;
}

export interface TokenRecord {
  tokenHash: string;
  accessId: string;
  claims: Record<string, string>;
  expiresAt: string;
  revoked: boolean;
  createdAt: string;
}

export interface AuditDraft {
  at: string;
  /** access id, or "-" before authentication */
  actor: string;
  action: string;
  path: string;
  outcome: string;
  /** small non-secret context: status code, reason, remote address */
  detail: Record<string, string | number | boolean>;
}

export interface AuditEntry extends AuditDraft {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface FragmentGeneration {
  generation: number;
  /** the fragment sealed by the root key (base64); never the fragment itself */
  sealed: string;
  createdAt: string;
}

export interface RewrapCandidate extends VersionRecord {}

/** Every operation; also what a transaction sees. */
export interface StoreOps {
  getItem(path: string): Promise<ItemRecord | undefined>;
  getVersion(path: string, version: number): Promise<VersionRecord | undefined>;
  listVersions(path: string): Promise<{ version: number; createdAt: string }[]>;
  /** the paths whose versions use this key id (normally none or one) */
  pathsUsingKeyId(keyId: string): Promise<string[]>;
  /** version 1 of a new item; throws conflict when the path exists */
  createItem(item: NewItem, at: string): Promise<number>;
  /**
   * The new version number; not_found when missing, conflict when expectedVersion is stale. `sealedVersion` is
   * given only when copying an older version's envelope (rollback); otherwise it is the new version itself.
   */
  addVersion(
    path: string,
    envelope: Envelope,
    at: string,
    options?: { expectedVersion?: number; sealedVersion?: number },
  ): Promise<number>;
  updateItemMeta(path: string, change: { tags?: string[]; description?: string }, at: string): Promise<ItemRecord>;
  deleteItem(path: string): Promise<boolean>;
  listItems(query: ListItemsQuery): Promise<ItemRecord[]>;
  /** versions wrapped with a generation below `belowGeneration`, oldest generation first */
  rewrapCandidates(belowGeneration: number, limit: number): Promise<RewrapCandidate[]>;
  /** replaces one version's envelope in place if it is still on `fromGeneration`; false when it moved on */
  replaceEnvelope(path: string, version: number, fromGeneration: number, envelope: Envelope): Promise<boolean>;

  appendChange(path: string, version: number, op: ChangeOp, at: string): Promise<number>;
  listChanges(since: number, limit: number): Promise<ChangeRecord[]>;
  lastChangeSeq(): Promise<number>;

  putAuthMethod(method: AuthMethodRecord): Promise<void>;
  getAuthMethod(accessId: string): Promise<AuthMethodRecord | undefined>;
  listAuthMethods(): Promise<AuthMethodRecord[]>;
  deleteAuthMethod(accessId: string): Promise<boolean>;

  putRole(role: RoleRecord): Promise<void>;
  getRole(name: string): Promise<RoleRecord | undefined>;
  listRoles(): Promise<RoleRecord[]>;
  deleteRole(name: string): Promise<boolean>;
  putBinding(binding: RoleBinding): Promise<void>;
  deleteBinding(role: string, accessId: string): Promise<boolean>;
  bindingsFor(accessId: string): Promise<RoleBinding[]>;
  /** Every binding, by role then access id (for listing roles with who they apply to). */
  listBindings(): Promise<RoleBinding[]>;

  putToken(token: TokenRecord): Promise<void>;
  getToken(tokenHash: string): Promise<TokenRecord | undefined>;
  revokeToken(tokenHash: string): Promise<boolean>;
  deleteExpiredTokens(now: string): Promise<number>;

  /**
   * Appends to the hash chain; the chain head is locked for the rest of the transaction. On the storage itself
   * (outside a transaction) concurrent appends are group-committed and each resolves once it is durable.
   */
  appendAudit(draft: AuditDraft): Promise<AuditEntry>;
  listAudit(fromSeq: number, limit: number): Promise<AuditEntry[]>;

  putGeneration(generation: FragmentGeneration): Promise<void>;
  listGenerations(): Promise<FragmentGeneration[]>;
}

export interface StoreStorage extends StoreOps {
  readonly backend: 'sqlite' | 'postgres';
  /** audit batches written (committed or failed) since open: appends outside a transaction are group-committed */
  readonly auditBatches: number;
  /** runs `fn` atomically: everything it wrote is committed together or not at all */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
