import { randomUUID } from 'node:crypto';
import type { Pool, Transaction } from '@exchange/platform';
import type { TransactionType } from '@exchange/contracts';
import { type Movement, netByAccount } from '../domain/movements.js';

export interface Account {
  id: string;
  userId: string;
  asset: string;
  available: bigint;
  held: bigint;
}

/** One line of a journal entry. */
export type { Movement } from '../domain/movements.js';

export interface JournalEntry {
  /** chosen by the caller when the entry's id must be known before posting */
  id?: string;
  type: TransactionType;
  reference: string | null;
  initiatedBy: string | null;
  details: Record<string, unknown>;
}

export interface PostedEntry {
  id: string;
  createdAt: string;
  /** balances after the entry, per user account it touched */
  balances: Map<string, { available: bigint; held: bigint }>;
}

/** One posting of a user's account, as their statement shows it: minor units, signed. */
export interface StatementLine {
  id: bigint;
  transactionId: string;
  type: TransactionType;
  reference: string | null;
  asset: string;
  availableChange: bigint;
  heldChange: bigint;
  availableAfter: bigint;
  heldAfter: bigint;
  createdAt: Date;
}

/** A line as posted: on a user account, with its balances after it. */
export type PostedLine = Movement & { after?: { available: bigint; held: bigint } };

export interface HoldRow {
  reference: string;
  userId: string;
  walletId: string;
  asset: string;
  amount: bigint;
  remaining: bigint;
}

export type SystemAccount = 'EXTERNAL' | 'FEES';

interface AccountRow {
  id: string;
  user_id: string;
  asset: string;
  available: string;
  held: string;
}

const toAccount = (row: AccountRow): Account => ({
  id: row.id,
  userId: row.user_id,
  asset: row.asset,
  available: BigInt(row.available),
  held: BigInt(row.held),
});

interface HoldDbRow {
  reference: string;
  user_id: string;
  wallet_id: string;
  asset: string;
  amount: string;
  remaining: string;
}

const toHold = (row: HoldDbRow): HoldRow => ({
  reference: row.reference,
  userId: row.user_id,
  walletId: row.wallet_id,
  asset: row.asset,
  amount: BigInt(row.amount),
  remaining: BigInt(row.remaining),
});

/** SQL for the wallet-service's tables: wallets, transactions, postings, holds. */
export class LedgerStore {
  private readonly systemWalletIds = new Map<string, string>();

  constructor(readonly db: Pool) {}

  /**
   * The ledger's own invariants, for the audit: per asset what users and the exchange's accounts
   * hold (together 0: every unit came from somewhere in the journal); accounts below zero; accounts
   * whose held balance is not the sum of their open holds; journal entries whose lines do not sum
   * to zero in an asset.
   */
  async auditCounts(): Promise<{
    assets: Array<{ asset: string; users: string; system: string }>;
    negative: number;
    heldMismatch: number;
    unbalanced: number;
  }> {
    const assets = await this.db.query<{ asset: string; users: string; system: string }>(
      `SELECT asset, sum(users)::text AS users, sum(system)::text AS system FROM (
         SELECT asset, available + held AS users, 0 AS system FROM wallets WHERE user_id IS NOT NULL
         UNION ALL SELECT asset, 0, balance FROM system_balances) t
       GROUP BY asset ORDER BY asset`,
    );
    const { rows } = await this.db.query(
      `SELECT (SELECT count(*) FROM wallets WHERE available < 0 OR held < 0)::int AS negative,
              (SELECT count(*) FROM wallets w LEFT JOIN (SELECT wallet_id, sum(remaining) AS remaining FROM holds GROUP BY wallet_id) h ON h.wallet_id = w.id
                WHERE w.user_id IS NOT NULL AND w.held <> coalesce(h.remaining, 0))::int AS held_mismatch,
              (SELECT count(*) FROM (SELECT 1 FROM postings GROUP BY transaction_id, asset HAVING sum(available_change + held_change) <> 0) u)::int AS unbalanced`,
    );
    return { assets: assets.rows, negative: rows[0].negative, heldMismatch: rows[0].held_mismatch, unbalanced: rows[0].unbalanced };
  }

  async findAccount(client: Transaction | Pool, userId: string, asset: string): Promise<Account | undefined> {
    const { rows } = await client.query<AccountRow>('SELECT id, user_id, asset, available, held FROM wallets WHERE user_id = $1 AND asset = $2', [
      userId,
      asset,
    ]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** Whether the user has any account yet (then the user-service knew them when the first was opened). */
  async hasAccounts(userId: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM wallets WHERE user_id = $1 LIMIT 1', [userId]);
    return rows.length > 0;
  }

  /** Creates the account if it is missing (a concurrent creation is fine) and returns it. */
  async createAccount(client: Transaction, userId: string, asset: string): Promise<Account> {
    await client.query('INSERT INTO wallets (user_id, asset) VALUES ($1, $2) ON CONFLICT (user_id, asset) WHERE user_id IS NOT NULL DO NOTHING', [
      userId,
      asset,
    ]);
    return (await this.findAccount(client, userId, asset))!;
  }

  async accounts(client: Transaction | Pool, userId: string): Promise<Account[]> {
    const { rows } = await client.query<AccountRow>(
      "SELECT id, user_id, asset, available, held FROM wallets WHERE user_id = $1 ORDER BY asset = 'USD' DESC, asset",
      [userId],
    );
    return rows.map(toAccount);
  }

  /** Row-locks user accounts in id order, the one order every writer uses, so writers never deadlock. */
  async lockAccounts(client: Transaction, walletIds: string[]): Promise<Map<string, Account>> {
    const { rows } = await client.query<AccountRow>(
      'SELECT id, user_id, asset, available, held FROM wallets WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE',
      [[...new Set(walletIds)]],
    );
    return new Map(rows.map((row) => [row.id, toAccount(row)]));
  }

  /**
   * Creates the system accounts of these assets (committed at once) and remembers their ids, so
   * entries need no look-up. Call at start.
   */
  async prepareSystemAccounts(assets: Iterable<string>): Promise<void> {
    const wanted: Array<[SystemAccount, string]> = [['FEES', 'USD'], ...[...assets].map((asset): [SystemAccount, string] => ['EXTERNAL', asset])];
    for (const [account, asset] of wanted) {
      this.systemWalletIds.set(`${account}:${asset}`, await this.findOrCreateSystemWallet(this.db, account, asset));
    }
  }

  async systemWalletId(client: Transaction, account: SystemAccount, asset: string): Promise<string> {
    // Only ids known to be committed are remembered: an id created inside this transaction would be
    // invisible to others until it commits, and gone if it rolls back.
    return this.systemWalletIds.get(`${account}:${asset}`) ?? this.findOrCreateSystemWallet(client, account, asset);
  }

  private async findOrCreateSystemWallet(client: Transaction | Pool, account: SystemAccount, asset: string): Promise<string> {
    await client.query(
      'INSERT INTO wallets (system_account, asset) VALUES ($1, $2) ON CONFLICT (system_account, asset) WHERE system_account IS NOT NULL DO NOTHING',
      [account, asset],
    );
    const { rows } = await client.query<{ id: string }>('SELECT id FROM wallets WHERE system_account = $1 AND asset = $2', [account, asset]);
    return rows[0]!.id;
  }

  async findEntry(
    client: Transaction,
    type: TransactionType,
    reference: string,
  ): Promise<{ id: string; details: Record<string, unknown>; createdAt: string } | undefined> {
    const { rows } = await client.query<{ id: string; details: Record<string, unknown>; created_at: Date }>(
      'SELECT id, details, created_at FROM transactions WHERE type = $1 AND reference = $2',
      [type, reference],
    );
    return rows[0] ? { id: rows[0].id, details: rows[0].details, createdAt: rows[0].created_at.toISOString() } : undefined;
  }

  /**
   * Posts a journal entry in one statement: the entry, the new balances of the user accounts it
   * touches (which the caller has locked), and its lines. The database checks at commit that it
   * balances, and at once that no balance goes negative.
   */
  async post(client: Transaction, entry: JournalEntry, movements: Movement[]): Promise<PostedEntry> {
    const id = entry.id ?? randomUUID();
    const lines = netByAccount(movements);
    const { rows } = await client.query<{ created_at: Date; id: string | null; available: string | null; held: string | null }>(
      `WITH entry AS (
         INSERT INTO transactions (id, type, reference, initiated_by, details) VALUES ($1, $2, $3, $4, $5) RETURNING created_at
       ), line AS (
         SELECT * FROM unnest($6::bigint[], $7::text[], $8::bigint[], $9::bigint[])
           AS m(wallet_id, asset, available_change, held_change)
       ), balance AS (
         -- user accounts are kept up to date in place; system accounts only through their lines
         UPDATE wallets w SET available = w.available + line.available_change, held = w.held + line.held_change, updated_at = now()
           FROM line WHERE w.id = line.wallet_id AND w.user_id IS NOT NULL
         RETURNING w.id, w.available, w.held
       ), posted AS (
         INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change, available_after, held_after)
         SELECT $1, line.wallet_id, line.asset, line.available_change, line.held_change, balance.available, balance.held
           FROM line LEFT JOIN balance ON balance.id = line.wallet_id
       )
       SELECT entry.created_at, balance.id, balance.available, balance.held FROM entry LEFT JOIN balance ON true`,
      [
        id,
        entry.type,
        entry.reference,
        entry.initiatedBy,
        JSON.stringify(entry.details),
        lines.map((l) => l.walletId),
        lines.map((l) => l.asset),
        lines.map((l) => l.availableChange.toString()),
        lines.map((l) => l.heldChange.toString()),
      ],
    );
    const balances = new Map<string, { available: bigint; held: bigint }>();
    for (const row of rows) if (row.id) balances.set(row.id, { available: BigInt(row.available!), held: BigInt(row.held!) });
    return { id, createdAt: rows[0]!.created_at.toISOString(), balances };
  }

  /** Open holds not changed for `olderThanMs`, by reference, after `after` (for the reconciliation). */
  async openHolds(olderThanMs: number, after: string | undefined, limit: number): Promise<HoldRow[]> {
    const { rows } = await this.db.query<HoldDbRow>(
      `SELECT reference, user_id, wallet_id, asset, amount, remaining FROM holds
        WHERE remaining > 0 AND updated_at < now() - make_interval(secs => $1::double precision / 1000) AND ($2::text IS NULL OR reference > $2)
        ORDER BY reference LIMIT $3`,
      [olderThanMs, after ?? null, limit],
    );
    return rows.map(toHold);
  }

  async findHold(client: Transaction, reference: string, forUpdate = false): Promise<HoldRow | undefined> {
    const { rows } = await client.query<HoldDbRow>(
      `SELECT reference, user_id, wallet_id, asset, amount, remaining FROM holds WHERE reference = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [reference],
    );
    return rows[0] ? toHold(rows[0]) : undefined;
  }

  async insertHold(client: Transaction, hold: Omit<HoldRow, 'remaining'>): Promise<void> {
    await client.query('INSERT INTO holds (reference, user_id, wallet_id, asset, amount, remaining) VALUES ($1, $2, $3, $4, $5, $5)', [
      hold.reference,
      hold.userId,
      hold.walletId,
      hold.asset,
      hold.amount.toString(),
    ]);
  }

  /** Serializes the block and the releases of one hold reference (transaction-scoped). */
  async lockReference(client: Transaction, reference: string): Promise<void> {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('hold'), hashtext($1))", [reference]);
  }

  async voidReference(client: Transaction, reference: string): Promise<void> {
    await client.query('INSERT INTO voided_holds (reference) VALUES ($1) ON CONFLICT DO NOTHING', [reference]);
  }

  async isVoided(client: Transaction, reference: string): Promise<boolean> {
    return ((await client.query('SELECT 1 FROM voided_holds WHERE reference = $1', [reference])).rowCount ?? 0) > 0;
  }

  async reduceHold(client: Transaction, reference: string, by: bigint): Promise<HoldRow> {
    const { rows } = await client.query<HoldDbRow>(
      `UPDATE holds SET remaining = remaining - $2, updated_at = now() WHERE reference = $1
       RETURNING reference, user_id, wallet_id, asset, amount, remaining`,
      [reference, by.toString()],
    );
    return toHold(rows[0]!);
  }

  /** Serializes the blocks and releases of many hold references at once (transaction-scoped), in one order every batch uses. */
  async lockReferences(client: Transaction, references: string[]): Promise<void> {
    await client.query(
      "SELECT pg_advisory_xact_lock(hashtext('hold'), hashtext(r)) FROM (SELECT DISTINCT r FROM unnest($1::text[]) AS r ORDER BY r) AS sorted",
      [references],
    );
  }

  /** The user accounts of these (user, asset) pairs, row-locked in id order (the one order every writer uses). */
  async lockUserAccounts(client: Transaction, pairs: Array<{ userId: string; asset: string }>): Promise<Map<string, Account>> {
    const { rows } = await client.query<AccountRow>(
      `SELECT id, user_id, asset, available, held FROM wallets
        WHERE (user_id, asset) IN (SELECT * FROM unnest($1::uuid[], $2::text[])) ORDER BY id FOR UPDATE`,
      [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.asset)],
    );
    return new Map(rows.map((row) => [accountKey(row.user_id!, row.asset), toAccount(row)]));
  }

  /** The entries of one type already posted under these references: a retry's first answer. */
  async findEntries(client: Transaction, type: TransactionType, references: string[]): Promise<Map<string, { id: string; details: Record<string, unknown> }>> {
    const { rows } = await client.query<{ id: string; reference: string; details: Record<string, unknown> }>(
      'SELECT id, reference, details FROM transactions WHERE type = $1 AND reference = ANY($2::text[])',
      [type, references],
    );
    return new Map(rows.map((row) => [row.reference, { id: row.id, details: row.details }]));
  }

  /** Which of these hold references were released before they were made. */
  async voidedAmong(client: Transaction, references: string[]): Promise<Set<string>> {
    const { rows } = await client.query<{ reference: string }>('SELECT reference FROM voided_holds WHERE reference = ANY($1::text[])', [references]);
    return new Set(rows.map((row) => row.reference));
  }

  /**
   * Posts many journal entries in one statement: the entries, their lines with the balances after
   * each on a user account (worked out by the caller, who holds the accounts' locks; none on a system
   * account, which is kept only through its lines), and each user account's final balance. The
   * database still checks every entry balances and no balance goes negative.
   */
  async postEntries(client: Transaction, entries: Array<{ entry: JournalEntry & { id: string }; lines: PostedLine[] }>): Promise<void> {
    if (entries.length === 0) return;
    const lines = entries.flatMap(({ entry, lines: movements }) => movements.map((line) => ({ ...line, transactionId: entry.id })));
    const finals = new Map<string, { available: bigint; held: bigint }>();
    for (const line of lines) if (line.after) finals.set(line.walletId, line.after);
    await client.query(
      `WITH entry AS (
         INSERT INTO transactions (id, type, reference, initiated_by, details)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::jsonb[])
       ), balance AS (
         UPDATE wallets w SET available = f.available, held = f.held, updated_at = now()
           FROM unnest($13::bigint[], $14::bigint[], $15::bigint[]) AS f(id, available, held)
          WHERE w.id = f.id AND w.user_id IS NOT NULL
       )
       INSERT INTO postings (transaction_id, wallet_id, asset, available_change, held_change, available_after, held_after)
       SELECT * FROM unnest($6::uuid[], $7::bigint[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])`,
      [
        entries.map(({ entry }) => entry.id),
        entries.map(({ entry }) => entry.type),
        entries.map(({ entry }) => entry.reference),
        entries.map(({ entry }) => entry.initiatedBy),
        entries.map(({ entry }) => JSON.stringify(entry.details)),
        lines.map((line) => line.transactionId),
        lines.map((line) => line.walletId),
        lines.map((line) => line.asset),
        lines.map((line) => line.availableChange.toString()),
        lines.map((line) => line.heldChange.toString()),
        lines.map((line) => line.after?.available.toString() ?? null),
        lines.map((line) => line.after?.held.toString() ?? null),
        [...finals.keys()],
        [...finals.values()].map((balance) => balance.available.toString()),
        [...finals.values()].map((balance) => balance.held.toString()),
      ],
    );
  }

  /** Holds by reference, as they are now (not locked). */
  async findHolds(client: Transaction, references: string[]): Promise<Map<string, HoldRow>> {
    const { rows } = await client.query<HoldDbRow>(
      'SELECT reference, user_id, wallet_id, asset, amount, remaining FROM holds WHERE reference = ANY($1::text[])',
      [references],
    );
    return new Map(rows.map((row) => [row.reference, toHold(row)]));
  }

  /** Locks holds, in reference order (after their accounts: the order every writer follows). */
  async lockHolds(client: Transaction, references: string[]): Promise<Map<string, HoldRow>> {
    const { rows } = await client.query<HoldDbRow>(
      'SELECT reference, user_id, wallet_id, asset, amount, remaining FROM holds WHERE reference = ANY($1::text[]) ORDER BY reference FOR UPDATE',
      [references],
    );
    return new Map(rows.map((row) => [row.reference, toHold(row)]));
  }

  /** Sets what is left of many holds in one statement. */
  async setHoldsRemaining(client: Transaction, remaining: Map<string, bigint>): Promise<void> {
    if (remaining.size === 0) return;
    await client.query(
      `UPDATE holds h SET remaining = r.remaining, updated_at = now() FROM unnest($1::text[], $2::bigint[]) AS r(reference, remaining)
        WHERE h.reference = r.reference`,
      [[...remaining.keys()], [...remaining.values()].map(String)],
    );
  }

  /** The user accounts of these (user, asset) pairs (not locked); a pair without one is not in the map. */
  async findUserAccounts(client: Transaction | Pool, pairs: Array<{ userId: string; asset: string }>): Promise<Map<string, Account>> {
    const { rows } = await client.query<AccountRow>(
      'SELECT id, user_id, asset, available, held FROM wallets WHERE (user_id, asset) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))',
      [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.asset)],
    );
    return new Map(rows.map((row) => [accountKey(row.user_id!, row.asset), toAccount(row)]));
  }

  /** Opens the missing user accounts of these pairs, in one statement. */
  async createUserAccounts(client: Transaction, pairs: Array<{ userId: string; asset: string }>): Promise<void> {
    await client.query(
      `INSERT INTO wallets (user_id, asset) SELECT * FROM unnest($1::uuid[], $2::text[]) ORDER BY 1, 2
       ON CONFLICT (user_id, asset) WHERE user_id IS NOT NULL DO NOTHING`,
      [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.asset)],
    );
  }

  async insertHolds(client: Transaction, holds: Array<Omit<HoldRow, 'remaining'>>): Promise<void> {
    if (holds.length === 0) return;
    await client.query(
      `INSERT INTO holds (reference, user_id, wallet_id, asset, amount, remaining)
       SELECT r, u, w, a, m, m FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[]) AS h(r, u, w, a, m)`,
      [
        holds.map((h) => h.reference),
        holds.map((h) => h.userId),
        holds.map((h) => h.walletId),
        holds.map((h) => h.asset),
        holds.map((h) => h.amount.toString()),
      ],
    );
  }

  /** A user's statement lines, newest first, before posting id `beforeId`. */
  async statement(userId: string, limit: number, beforeId: bigint | undefined): Promise<StatementLine[]> {
    const { rows } = await this.db.query<{
      id: string;
      transaction_id: string;
      type: TransactionType;
      reference: string | null;
      asset: string;
      available_change: string;
      held_change: string;
      available_after: string;
      held_after: string;
      created_at: Date;
    }>(
      `SELECT p.id, p.transaction_id, t.type, t.reference, p.asset, p.available_change, p.held_change,
              p.available_after, p.held_after, p.created_at
         FROM postings p
         JOIN wallets w ON w.id = p.wallet_id
         JOIN transactions t ON t.id = p.transaction_id
        WHERE w.user_id = $1 AND ($2::bigint IS NULL OR p.id < $2::bigint)
        ORDER BY p.id DESC
        LIMIT $3`,
      [userId, beforeId?.toString() ?? null, limit],
    );
    return rows.map((row) => ({
      id: BigInt(row.id),
      transactionId: row.transaction_id,
      type: row.type,
      reference: row.reference,
      asset: row.asset,
      availableChange: BigInt(row.available_change),
      heldChange: BigInt(row.held_change),
      availableAfter: BigInt(row.available_after),
      heldAfter: BigInt(row.held_after),
      createdAt: row.created_at,
    }));
  }
}

export const accountKey = (userId: string, asset: string) => `${userId} ${asset}`;
