import type { Pool } from '@exchange/platform';
import type { Role, User } from '@exchange/contracts';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  password_hash: string;
  created_at: Date;
}

export interface StoredUser extends User {
  passwordHash: string;
}

const COLUMNS = 'id, email, name, role, password_hash, created_at';

function toUser(row: UserRow): StoredUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    passwordHash: row.password_hash,
  };
}

export function publicUser(user: StoredUser): User {
  const { passwordHash: _hidden, ...rest } = user;
  return rest;
}

const UNIQUE_VIOLATION = '23505';

/** SQL for the `users` table, the user-service's only table. */
export class UsersStore {
  constructor(private readonly db: Pool) {}

  async isEmailTaken(email: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Inserts a user; returns undefined when the e-mail is already taken. */
  async insert(user: { email: string; name: string | null; passwordHash: string; role: Role }): Promise<StoredUser | undefined> {
    try {
      const result = await this.db.query<UserRow>(`INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`, [
        user.email,
        user.name,
        user.passwordHash,
        user.role,
      ]);
      return toUser(result.rows[0]!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  async findByEmail(email: string): Promise<StoredUser | undefined> {
    const result = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
    return result.rows[0] ? toUser(result.rows[0]) : undefined;
  }

  async findById(id: string): Promise<StoredUser | undefined> {
    const result = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return result.rows[0] ? toUser(result.rows[0]) : undefined;
  }
}
