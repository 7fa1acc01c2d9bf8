/**
 * The simulator's pure core: a seeded random number generator, the fair price's random walk, the
 * market maker's quote ladder and the traders' choice of orders. Nothing here does I/O or reads a
 * clock, so a seed gives the same decisions every time and the unit tests can check each rule.
 *
 * Prices are whole numbers of ticks (a tick is the market's tickSize in cents); quantities are
 * whole numbers of lots. Floating point only ever draws random numbers and sizes steps: every price
 * that leaves this module is an integer tick count, turned into a decimal string by `priceText`.
 */

/** A small, fast, seeded generator (mulberry32): the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A whole number in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An exponential draw of the given mean: the gaps between the events of a Poisson process. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** One of the items, each as likely as its weight. */
  pick<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let draw = this.next() * total;
    for (const [item, weight] of items) {
      draw -= weight;
      if (draw < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

/** A 32-bit seed for one purpose (a symbol's walk, a bot's choices) derived from the run's seed. */
export function deriveSeed(seed: number, purpose: string): number {
  // FNV-1a over the purpose, mixed with the run's seed number
  let hash = (2166136261 ^ (seed >>> 0)) >>> 0;
  for (const char of purpose) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}

// ---------------------------------------------------------------------------------------------
// Prices: decimal strings ⇄ ticks

/** "190.25" → 19025n (USD to cents, exactly; more than two decimals is an error). */
export function centsOf(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new Error(`not a USD amount: ${text}`);
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** The whole number of ticks in a price, rounded down onto the tick grid. */
export function ticksOf(priceText: string, tickCents: bigint): number {
  return Number(centsOf(priceText) / tickCents);
}

/** A price in ticks as the decimal string the API takes: 19025 ticks of 1 cent → "190.25". */
export function priceText(ticks: number, tickCents: bigint): string {
  if (!Number.isSafeInteger(ticks) || ticks < 1) throw new Error(`not a price in ticks: ${ticks}`);
  const cents = BigInt(ticks) * tickCents;
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}

/** A quantity in lots as the decimal string the API takes (lotSize is whole shares). */
export function quantityText(lots: number, lotSize: bigint): string {
  if (!Number.isSafeInteger(lots) || lots < 1) throw new Error(`not a quantity in lots: ${lots}`);
  return (BigInt(lots) * lotSize).toString();
}

// ---------------------------------------------------------------------------------------------
// The fair price

export interface WalkOptions {
  /** where the walk starts, in ticks (the last trade, or the market's reference price) */
  startTicks: number;
  /** the standard deviation of the price's relative change over one minute (0.002: 0.2 % a minute) */
  volatilityPerMinute: number;
  /**
   * how strongly the walk is pulled back towards where it started, per minute (a fraction of the
   * log distance): weak, so the price wanders but a simulator left running for days stays plausible
   */
  reversionPerMinute: number;
}

/**
 * A symbol's fair price: a geometric random walk on the tick grid. Each step's size is drawn in
 * ticks and rounded stochastically (a step of 0.3 ticks moves one tick three times in ten), so a
 * slow walk still moves; the price never goes below one tick.
 */
export class FairPriceWalk {
  private ticks: number;

  constructor(
    private readonly options: WalkOptions,
    private readonly rng: Rng,
  ) {
    if (!Number.isSafeInteger(options.startTicks) || options.startTicks < 1)
      throw new Error(`a walk starts at a positive tick count (got ${options.startTicks})`);
    this.ticks = options.startTicks;
  }

  get priceTicks(): number {
    return this.ticks;
  }

  /** Moves the price over `seconds` and returns it. */
  step(seconds: number): number {
    if (seconds <= 0) return this.ticks;
    const minutes = seconds / 60;
    const pull = -this.options.reversionPerMinute * Math.log(this.ticks / this.options.startTicks) * minutes;
    const relative = pull + this.options.volatilityPerMinute * Math.sqrt(minutes) * this.rng.normal();
    const move = this.ticks * relative;
    const whole = Math.floor(move);
    const rounded = whole + (this.rng.next() < move - whole ? 1 : 0);
    this.ticks = Math.max(1, this.ticks + rounded);
    return this.ticks;
  }
}

// ---------------------------------------------------------------------------------------------
// The market maker's quotes

export type Side = 'BUY' | 'SELL';

export interface Quote {
  side: Side;
  priceTicks: number;
  lots: number;
}

export interface LadderOptions {
  fairTicks: number;
  /** shares held minus the holding the maker aims at, in lots (positive: long) */
  inventoryLots: number;
  /** past this many lots either way the maker stops quoting the side that would add to it */
  maxInventoryLots: number;
  /** price levels on each side */
  levels: number;
  /** lots at each level */
  lotsPerLevel: number;
  /** the distance from the (skewed) centre to the first level, and between levels, in ticks (at least 1) */
  halfSpreadTicks: number;
  levelStepTicks: number;
  /** how far the centre moves away from the fair price at the inventory bound, in ticks */
  maxSkewTicks: number;
}

/**
 * The quotes a market maker wants resting: `levels` bids below and asks above a centre that leans
 * against its inventory (long: the centre moves down, so its asks are likelier to be taken and its
 * bids less), every bid strictly below every ask and the fair price, bids at least one tick. At the
 * inventory bound it stops quoting the side that would add to the position.
 */
export function makerLadder(options: LadderOptions): Quote[] {
  const halfSpread = Math.max(1, Math.round(options.halfSpreadTicks));
  const step = Math.max(1, Math.round(options.levelStepTicks));
  const ratio = options.maxInventoryLots > 0 ? Math.max(-1, Math.min(1, options.inventoryLots / options.maxInventoryLots)) : 0;
  // never so far that the inside quotes stop straddling the fair price
  const skew = Math.max(-(halfSpread - 1), Math.min(halfSpread - 1, Math.round(ratio * options.maxSkewTicks)));
  const centre = options.fairTicks - skew;
  const quotes: Quote[] = [];
  const quoteBids = options.inventoryLots < options.maxInventoryLots;
  const quoteAsks = options.inventoryLots > -options.maxInventoryLots;
  for (let level = 0; level < options.levels; level++) {
    const bid = centre - halfSpread - level * step;
    const ask = centre + halfSpread + level * step;
    if (quoteBids && bid >= 1) quotes.push({ side: 'BUY', priceTicks: bid, lots: options.lotsPerLevel });
    if (quoteAsks) quotes.push({ side: 'SELL', priceTicks: ask, lots: options.lotsPerLevel });
  }
  return quotes;
}

export interface RestingQuote {
  id: string;
  side: Side;
  priceTicks: number;
}

/** One step of bringing the resting quotes to the wanted ladder: at most one cancel and one placement. */
export interface RequotePlan {
  cancel?: RestingQuote;
  place?: Quote;
}

/**
 * What the maker does next: cancel the resting quote farthest from any wanted price of its side (or
 * a duplicate), and place the wanted quote nearest the fair price that is missing. One of each per
 * step keeps the maker's request rate bounded however far the price jumped.
 */
export function requotePlan(wanted: readonly Quote[], resting: readonly RestingQuote[], fairTicks: number): RequotePlan {
  const key = (side: Side, price: number) => `${side}@${price}`;
  const wantedKeys = new Set(wanted.map((quote) => key(quote.side, quote.priceTicks)));
  const seen = new Set<string>();
  let cancel: RestingQuote | undefined;
  let cancelDistance = -1;
  for (const quote of resting) {
    const k = key(quote.side, quote.priceTicks);
    const duplicate = seen.has(k);
    seen.add(k);
    if (wantedKeys.has(k) && !duplicate) continue;
    const sameSide = wanted.filter((w) => w.side === quote.side).map((w) => Math.abs(w.priceTicks - quote.priceTicks));
    const distance = duplicate ? Number.MAX_SAFE_INTEGER : sameSide.length > 0 ? Math.min(...sameSide) : Number.MAX_SAFE_INTEGER - 1;
    if (distance > cancelDistance) {
      cancel = quote;
      cancelDistance = distance;
    }
  }
  const restingKeys = new Set(resting.map((quote) => key(quote.side, quote.priceTicks)));
  const missing = wanted.filter((quote) => !restingKeys.has(key(quote.side, quote.priceTicks)));
  missing.sort((a, b) => Math.abs(a.priceTicks - fairTicks) - Math.abs(b.priceTicks - fairTicks));
  const plan: RequotePlan = {};
  if (cancel) plan.cancel = cancel;
  if (missing[0]) plan.place = missing[0];
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The traders' orders

export type OrderChoice =
  | { type: 'LIMIT'; timeInForce: 'GTC' | 'IOC' | 'FOK'; side: Side; priceTicks: number; lots: number }
  | { type: 'MARKET'; timeInForce: 'IOC' | 'FOK'; side: Side; lots: number };

export interface NoiseOptions {
  fairTicks: number;
  /** how far from the fair price a resting (GTC) order goes, in ticks */
  restingRangeTicks: number;
  /** how far past the fair price a marketable limit (IOC/FOK) reaches, in ticks */
  crossTicks: number;
  maxLots: number;
}

/**
 * A noise trader's next order: a side at random, then a limit order resting near the fair price
 * (GTC, on either side of it, so some cross), a market order (IOC, sometimes FOK), or a limit that
 * reaches past the fair price and must trade now (IOC or FOK).
 */
export function noiseOrder(rng: Rng, options: NoiseOptions): OrderChoice {
  const side: Side = rng.chance(0.5) ? 'BUY' : 'SELL';
  const lots = rng.between(1, Math.max(1, options.maxLots));
  const toward = side === 'BUY' ? 1 : -1;
  const kind = rng.pick([
    ['GTC', 50],
    ['MARKET', 20],
    ['IOC', 18],
    ['FOK', 12],
  ] as const);
  if (kind === 'MARKET') return { type: 'MARKET', timeInForce: rng.chance(0.25) ? 'FOK' : 'IOC', side, lots };
  if (kind === 'GTC') {
    // mostly on its own side of the fair price (passive), sometimes a tick or two over it
    const offset = rng.between(-2, Math.max(1, options.restingRangeTicks));
    return { type: 'LIMIT', timeInForce: 'GTC', side, priceTicks: Math.max(1, options.fairTicks - toward * offset), lots };
  }
  const reach = rng.between(1, Math.max(1, options.crossTicks));
  return { type: 'LIMIT', timeInForce: kind, side, priceTicks: Math.max(1, options.fairTicks + toward * reach), lots };
}

export interface TapeTrade {
  priceTicks: number;
  lots: number;
  takerSide: Side;
}

/**
 * The recent direction of the tape, in [-1, 1]: the taker-signed volume of the trades (oldest
 * first) over their whole volume, plus how the price moved from the first to the last; 0 when
 * there is nothing to follow.
 */
export function momentumSignal(trades: readonly TapeTrade[]): number {
  if (trades.length < 2) return 0;
  let signed = 0;
  let total = 0;
  for (const trade of trades) {
    signed += trade.takerSide === 'BUY' ? trade.lots : -trade.lots;
    total += trade.lots;
  }
  const flow = total > 0 ? signed / total : 0;
  const first = trades[0]!.priceTicks;
  const last = trades[trades.length - 1]!.priceTicks;
  const move = Math.sign(last - first);
  return Math.max(-1, Math.min(1, 0.5 * flow + 0.5 * move));
}

/**
 * A momentum trader's next order, or none when the tape shows no clear direction (|signal| below
 * the threshold): it buys into a rising tape and sells into a falling one, by market order or by a
 * limit that reaches a few ticks past the fair price (IOC).
 */
export function momentumOrder(
  rng: Rng,
  signal: number,
  fairTicks: number,
  options: { threshold: number; maxLots: number; crossTicks: number },
): OrderChoice | undefined {
  if (Math.abs(signal) < options.threshold) return undefined;
  const side: Side = signal > 0 ? 'BUY' : 'SELL';
  const lots = rng.between(1, Math.max(1, options.maxLots));
  if (rng.chance(0.5)) return { type: 'MARKET', timeInForce: 'IOC', side, lots };
  const reach = rng.between(1, Math.max(1, options.crossTicks));
  return { type: 'LIMIT', timeInForce: 'IOC', side, priceTicks: Math.max(1, fairTicks + (side === 'BUY' ? reach : -reach)), lots };
}

export type Role = 'maker' | 'noise' | 'momentum';

/** How the actions of a market are shared among its bots (the maker does about half: it keeps the book). */
export const ROLE_WEIGHTS: ReadonlyArray<readonly [Role, number]> = [
  ['maker', 50],
  ['noise', 35],
  ['momentum', 15],
];

/**
 * The wait before a market's next action, for `ratePerSecond` actions a second on average: the
 * gaps of a Poisson process (open loop: the next action is due whether or not the last was
 * answered), capped at five mean gaps so a long unlucky draw never stalls a market.
 */
export function nextDelayMs(rng: Rng, ratePerSecond: number): number {
  const meanMs = 1000 / ratePerSecond;
  return Math.min(rng.exponential(meanMs), 5 * meanMs);
}
