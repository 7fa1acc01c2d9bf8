import type { Pool } from '@exchange/platform';

/** A user's own limits as stored: null means "the default" (for maxNotionalCents: the market's limit only). */
export interface StoredLimits {
  userId: string;
  maxOpenOrders: number | null;
  maxOrdersPerMinute: number | null;
  maxNotionalCents: bigint | null;
  killSwitch: boolean;
  updatedAt: Date;
}

/** undefined leaves a limit as it is; null clears it back to the default. */
export interface LimitsChanges {
  maxOpenOrders?: number | null;
  maxOrdersPerMinute?: number | null;
  maxNotionalCents?: bigint | null;
  killSwitch?: boolean;
}

interface LimitsRow {
  user_id: string;
  max_open_orders: number | null;
  max_orders_per_minute: number | null;
  max_notional_cents: string | null;
  kill_switch: boolean;
  updated_at: Date;
}

const LIMITS_COLUMNS = 'user_id, max_open_orders, max_orders_per_minute, max_notional_cents, kill_switch, updated_at';

function toLimits(row: LimitsRow): StoredLimits {
  return {
    userId: row.user_id,
    maxOpenOrders: row.max_open_orders,
    maxOrdersPerMinute: row.max_orders_per_minute,
    maxNotionalCents: row.max_notional_cents === null ? null : BigInt(row.max_notional_cents),
    killSwitch: row.kill_switch,
    updatedAt: row.updated_at,
  };
}

/** SQL for `risk_limits`. */
export class LimitsStore {
  constructor(readonly db: Pool) {}

  async find(userId: string): Promise<StoredLimits | undefined> {
    const result = await this.db.query<LimitsRow>(`SELECT ${LIMITS_COLUMNS} FROM risk_limits WHERE user_id = $1`, [userId]);
    return result.rows[0] ? toLimits(result.rows[0]) : undefined;
  }

  /** The own limits of these users, in one query (users without any are not in the map). */
  async findMany(userIds: string[]): Promise<Map<string, StoredLimits>> {
    if (userIds.length === 0) return new Map();
    const result = await this.db.query<LimitsRow>(`SELECT ${LIMITS_COLUMNS} FROM risk_limits WHERE user_id = ANY($1::uuid[])`, [userIds]);
    return new Map(result.rows.map((row) => [row.user_id, toLimits(row)]));
  }

  /** Applies the changes in one statement, creating the user's row on first use. */
  async upsert(userId: string, changes: LimitsChanges): Promise<StoredLimits> {
    const isGiven = (value: unknown) => value !== undefined;
    const result = await this.db.query<LimitsRow>(
      `INSERT INTO risk_limits (user_id, max_open_orders, max_orders_per_minute, max_notional_cents, kill_switch)
       VALUES ($1, $2, $3, $4, coalesce($5::boolean, false))
       ON CONFLICT (user_id) DO UPDATE SET
         max_open_orders = CASE WHEN $6::boolean THEN EXCLUDED.max_open_orders ELSE risk_limits.max_open_orders END,
         max_orders_per_minute = CASE WHEN $7::boolean THEN EXCLUDED.max_orders_per_minute ELSE risk_limits.max_orders_per_minute END,
         max_notional_cents = CASE WHEN $8::boolean THEN EXCLUDED.max_notional_cents ELSE risk_limits.max_notional_cents END,
         kill_switch = coalesce($5::boolean, risk_limits.kill_switch),
         updated_at = now()
       RETURNING ${LIMITS_COLUMNS}`,
      [
        userId,
        changes.maxOpenOrders ?? null,
        changes.maxOrdersPerMinute ?? null,
        changes.maxNotionalCents?.toString() ?? null,
        changes.killSwitch ?? null,
        isGiven(changes.maxOpenOrders),
        isGiven(changes.maxOrdersPerMinute),
        isGiven(changes.maxNotionalCents),
      ],
    );
    return toLimits(result.rows[0]!);
  }
}
