import { type Pool, withTransaction } from '@exchange/platform';
import type { ApiKey, ApiKeyKind, ApiKeyScope, Role } from '@exchange/contracts';

interface ApiKeyRow {
  id: string;
  user_id: string;
  label: string;
  kind: ApiKeyKind;
  scopes: ApiKeyScope[];
  allowed_ips: string[];
  secret_ciphertext: Buffer | null;
  public_key: string | null;
  expires_at: Date | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
}

/** A key with what verifies its signatures (never handed out) and its owner. */
export interface StoredApiKey {
  key: ApiKey;
  userId: string;
  secretCiphertext: Buffer | null;
  publicKey: string | null;
}

export interface ApiKeyOwner {
  id: string;
  email: string;
  role: Role;
}

const COLUMNS =
  'k.id, k.user_id, k.label, k.kind, k.scopes, k.allowed_ips, k.secret_ciphertext, k.public_key, k.expires_at, k.created_at, k.revoked_at, k.last_used_at, k.last_used_ip';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function toStored(row: ApiKeyRow): StoredApiKey {
  return {
    key: {
      id: row.id,
      label: row.label,
      kind: row.kind,
      scopes: row.scopes,
      allowedIps: row.allowed_ips,
      expiresAt: iso(row.expires_at),
      createdAt: row.created_at.toISOString(),
      revokedAt: iso(row.revoked_at),
      lastUsedAt: iso(row.last_used_at),
      lastUsedIp: row.last_used_ip,
    },
    userId: row.user_id,
    secretCiphertext: row.secret_ciphertext,
    publicKey: row.public_key,
  };
}

/** SQL for the `api_keys` table. */
export class ApiKeysStore {
  constructor(private readonly db: Pool) {}

  /**
   * Inserts a key unless its user already holds `maxLive` live ones: the user's row is locked first,
   * so creations for one user take turns, and each counts (in a statement of its own, which sees what
   * the one before committed) and inserts. Undefined when the count is full or the user is gone.
   */
  async insert(
    key: { id: string; userId: string; label: string; kind: ApiKeyKind; scopes: ApiKeyScope[]; allowedIps: string[]; expiresAt: string | null },
    material: { secretCiphertext: Buffer | null; publicKey: string | null },
    maxLive: number,
  ): Promise<StoredApiKey | undefined> {
    return withTransaction(
      this.db,
      async (client) => {
        const owner = await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [key.userId]);
        if (owner.rowCount === 0) return undefined;
        const result = await client.query<ApiKeyRow>(
          `INSERT INTO api_keys AS k (id, user_id, label, kind, scopes, allowed_ips, secret_ciphertext, public_key, expires_at)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
           WHERE (SELECT count(*) FROM api_keys WHERE user_id = $2 AND revoked_at IS NULL) < $10
           RETURNING ${COLUMNS}`,
          [key.id, key.userId, key.label, key.kind, key.scopes, key.allowedIps, material.secretCiphertext, material.publicKey, key.expiresAt, maxLive],
        );
        return result.rows[0] ? toStored(result.rows[0]) : undefined;
      },
      'api key creation',
    );
  }

  async listOf(userId: string): Promise<ApiKey[]> {
    const result = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys k WHERE k.user_id = $1 ORDER BY k.created_at DESC, k.id`, [userId]);
    return result.rows.map((row) => toStored(row).key);
  }

  /** Revokes a key of this user (its secret is dropped); a key revoked before stays as it was. */
  async revoke(userId: string, id: string): Promise<ApiKey | undefined> {
    const result = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now()), secret_ciphertext = NULL
       WHERE k.id = $1 AND k.user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId],
    );
    return result.rows[0] ? toStored(result.rows[0]).key : undefined;
  }

  /** A key and its owner, for verifying a signed request. */
  async findForVerification(id: string): Promise<{ stored: StoredApiKey; owner: ApiKeyOwner } | undefined> {
    const result = await this.db.query<ApiKeyRow & { email: string; role: Role }>(
      `SELECT ${COLUMNS}, u.email, u.role FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1`,
      [id],
    );
    const row = result.rows[0];
    return row ? { stored: toStored(row), owner: { id: row.user_id, email: row.email, role: row.role } } : undefined;
  }

  /** Records a use; only when the last record is older than `everyMs` or came from elsewhere. */
  async recordUse(id: string, ip: string, everyMs: number): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now(), last_used_ip = $2
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_ip IS DISTINCT FROM $2 OR last_used_at < now() - make_interval(secs => $3::double precision / 1000))`,
      [id, ip, everyMs],
    );
  }
}
