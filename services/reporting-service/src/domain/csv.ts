import type { Statement } from '@exchange/contracts';

/** One field, quoted per RFC 4180 when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Rows as RFC 4180 text: CRLF after every row, the first row the header. */
export function toCsv(rows: string[][]): string {
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

export const STATEMENT_CSV_HEADER = ['record', 'time', 'asset', 'type', 'amount', 'balance_after', 'reference', 'symbol', 'side', 'price', 'quantity', 'fee'];

/**
 * A statement as one table: per asset an OPENING_BALANCE row, its ENTRY rows and a CLOSING_BALANCE
 * row, then a FILL row per fill. Times ISO-8601 UTC, amounts plain decimals (negative with a minus).
 */
export function statementCsv(statement: Statement): string {
  const rows: string[][] = [STATEMENT_CSV_HEADER];
  const row = (fields: Partial<Record<(typeof STATEMENT_CSV_HEADER)[number], string>>) => rows.push(STATEMENT_CSV_HEADER.map((name) => fields[name] ?? ''));
  for (const asset of statement.assets) {
    row({ record: 'OPENING_BALANCE', time: statement.from, asset: asset.asset, balance_after: asset.opening });
    for (const entry of asset.entries) {
      row({
        record: 'ENTRY',
        time: entry.time,
        asset: asset.asset,
        type: entry.type,
        amount: entry.amount,
        balance_after: entry.balanceAfter,
        reference: entry.reference,
        symbol: entry.symbol,
        side: entry.side,
      });
    }
    row({ record: 'CLOSING_BALANCE', time: statement.to, asset: asset.asset, balance_after: asset.closing });
  }
  for (const fill of statement.fills) {
    row({
      record: 'FILL',
      time: fill.time,
      asset: fill.symbol,
      type: 'TRADE',
      amount: fill.notional,
      reference: fill.tradeId,
      symbol: fill.symbol,
      side: fill.side,
      price: fill.price,
      quantity: fill.quantity,
      fee: fill.fee,
    });
  }
  return toCsv(rows);
}
