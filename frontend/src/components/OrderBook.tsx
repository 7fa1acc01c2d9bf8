import { useRef, useState } from 'react';
import { applySnapshot, applyUpdate, desync, emptyBook, sortedLevels, type BookState, type Level } from '@exchange/client';
import { CASH_SCALE, formatQty, formatUnits, formatUsd, parseUnits } from '@exchange/client';
import { useChannel, useStream } from '../lib/stream';

const DEPTH = 12;

/**
 * The order book from `book:SYMBOL`: snapshot, then sequenced updates (lib/book.ts); on a gap it
 * asks the stream for a fresh snapshot. Mount it keyed by symbol.
 */
export function useOrderBook(symbol: string): BookState {
  const stream = useStream();
  const channel = `book:${symbol}` as const;
  const current = useRef<BookState>(emptyBook());
  const [book, setBook] = useState<BookState>(current.current);
  const set = (state: BookState) => {
    current.current = state;
    setBook(state);
  };
  useChannel(channel, (frame) => {
    if (frame.type === 'snapshot') {
      set(applySnapshot(frame.sequence, frame.data.bids, frame.data.asks));
    } else if (frame.type === 'update') {
      const result = applyUpdate(current.current, {
        firstSequence: frame.firstSequence,
        sequence: frame.sequence,
        bids: frame.data.bids,
        asks: frame.data.asks,
      });
      if (result.kind === 'applied') set(result.state);
      else if (result.kind === 'gap') {
        set(result.state);
        stream?.resubscribe(channel);
      }
    } else if (frame.type === 'disconnected') set(desync(current.current));
  });
  return book;
}

function Row({ level, side, max, onPick }: { level: Level | undefined; side: 'bid' | 'ask'; max: number; onPick: ((price: string) => void) | undefined }) {
  const width = level ? Math.max(2, Math.round((Number(level[1]) / max) * 100)) : 0; // bar width only
  return (
    <tr className="relative h-6" data-testid={level ? `book-${side}-${level[0]}` : undefined}>
      <td className={`num relative px-2 text-sm ${side === 'bid' ? 'text-up' : 'text-down'}`}>
        {level && (
          <span
            aria-hidden="true"
            className={`absolute inset-y-0.5 right-0 ${side === 'bid' ? 'bg-green-500/10' : 'bg-red-500/10'}`}
            style={{ width: `${width}%` }}
          />
        )}
        {level && onPick ? (
          <button
            type="button"
            className="relative rounded px-0.5 hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-400"
            // the name starts with the price as shown, so a spoken "click 99.00" finds it
            aria-label={`${formatUsd(level[0])}: use this price`}
            data-testid={`book-pick-${level[0]}`}
            onClick={() => onPick(level[0])}
          >
            {formatUsd(level[0])}
          </button>
        ) : (
          <span className="relative">{level ? formatUsd(level[0]) : '\u00a0'}</span>
        )}
      </td>
      <td className="num px-2 text-sm text-slate-300">{level ? formatQty(level[1]) : ''}</td>
    </tr>
  );
}

export function OrderBookView({ book, onPick }: { book: BookState; onPick?: (price: string) => void }) {
  const { bids, asks } = sortedLevels(book, DEPTH);
  const max = Math.max(1, ...[...bids, ...asks].map(([, q]) => Number(q)));
  const askRows = Array.from({ length: DEPTH }, (_, i) => asks[DEPTH - 1 - i]);
  const bidRows = Array.from({ length: DEPTH }, (_, i) => bids[i]);
  const bestBid = bids[0] ? parseUnits(bids[0][0], CASH_SCALE) : null;
  const bestAsk = asks[0] ? parseUnits(asks[0][0], CASH_SCALE) : null;
  const spread = bestBid !== null && bestAsk !== null ? formatUsd(formatUnits(bestAsk - bestBid, CASH_SCALE)) : null;
  return (
    <div data-testid="order-book" data-sequence={book.sequence ?? ''} data-synced={book.synced}>
      <table className="w-full" aria-label="Order book">
        <thead>
          <tr>
            <th className="px-2 text-right text-xs font-medium text-slate-400">Price (USD)</th>
            <th className="px-2 text-right text-xs font-medium text-slate-400">Quantity</th>
          </tr>
        </thead>
        <tbody>
          {askRows.map((level, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the book shows a fixed number of row slots; a slot keeps its row as prices move through it
            <Row key={`a${i}`} level={level} side="ask" max={max} onPick={onPick} />
          ))}
          <tr className="h-7 border-y border-slate-800">
            <td colSpan={2} className="px-2 text-center text-xs text-slate-400">
              {book.synced ? (spread !== null ? `spread ${spread}` : 'no spread') : 'syncing…'}
            </td>
          </tr>
          {bidRows.map((level, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: fixed row slots, as above
            <Row key={`b${i}`} level={level} side="bid" max={max} onPick={onPick} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
