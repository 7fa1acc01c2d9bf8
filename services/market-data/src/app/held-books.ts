import type { Book, EngineBookState, MarketDataMessage } from '@exchange/contracts';
import { depthDiff, levelsOf } from '../domain/book-diff.js';
import type { MarketUnits } from '../domain/units.js';

type DepthMessage = Extract<MarketDataMessage, { type: 'depth' }>;

interface HeldBook {
  units: MarketUnits;
  state: EngineBookState;
  /**
   * false until the state kept at `book:{SYMBOL}` was read: states heard before are held but not
   * announced, since a diff from a base nobody has (this process just started) would mislead clients.
   */
  isBaseKnown: boolean;
}

const emptyBook = (symbol: string): EngineBookState => ({ symbol, sequence: 0, bids: [], asks: [] });

/**
 * The latest engine book state of every market, in memory. Each newer state becomes a depth update
 * against the one held before it (firstSequence = held + 1), so a snapshot taken from here and the
 * updates that follow always chain; older or repeated states are ignored.
 */
export class HeldBooks {
  private readonly books = new Map<string, HeldBook>();

  has(symbol: string): boolean {
    return this.books.has(symbol);
  }

  symbols(): string[] {
    return [...this.books.keys()];
  }

  /** Starts holding a market's book: empty at sequence 0 until its first state arrives. */
  follow(symbol: string, units: MarketUnits): void {
    if (!this.books.has(symbol)) this.books.set(symbol, { units, state: emptyBook(symbol), isBaseKnown: false });
  }

  /** The state read from `book:{SYMBOL}` (none: the engine has no book yet). Held silently when newer. */
  load(symbol: string, state: EngineBookState | undefined): void {
    const held = this.books.get(symbol);
    if (!held) return;
    if (state && state.sequence > held.state.sequence) held.state = state;
    held.isBaseKnown = true;
  }

  /** A newer state becomes the held one; the depth update between the two is returned to be published. */
  offer(state: EngineBookState): Omit<DepthMessage, 'traceparent'> | undefined {
    const held = this.books.get(state.symbol);
    if (!held || state.sequence <= held.state.sequence) return undefined;
    const before = held.state;
    held.state = state;
    if (!held.isBaseKnown) return undefined;
    const diff = depthDiff(before, state, held.units);
    return { type: 'depth', symbol: state.symbol, firstSequence: before.sequence + 1, sequence: state.sequence, bids: diff.bids, asks: diff.asks };
  }

  /** The held book, `depth` levels a side; undefined for a market not followed. */
  book(symbol: string, depth?: number): Book | undefined {
    const held = this.books.get(symbol);
    if (!held) return undefined;
    const { state, units } = held;
    return { symbol, sequence: state.sequence, bids: levelsOf(state.bids, units, depth), asks: levelsOf(state.asks, units, depth) };
  }
}
