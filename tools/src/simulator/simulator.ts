import WebSocket from 'ws';
import { createExchangeClient, ExchangeApiError, ExchangeStream, type ExchangeClient, type Market, type Order, type WebSocketFactory } from '@exchange/client';
import {
  centsOf,
  deriveSeed,
  FairPriceWalk,
  makerLadder,
  momentumOrder,
  momentumSignal,
  nextDelayMs,
  noiseOrder,
  type OrderChoice,
  priceText,
  quantityText,
  requotePlan,
  type RestingQuote,
  Rng,
  type Role,
  ROLE_WEIGHTS,
  type TapeTrade,
  ticksOf,
} from './core.js';

/**
 * The market simulator's I/O: bots that trade through the public API exactly as any client would
 * (the typed SDK for REST, ExchangeStream for the trades they follow), each a registered user with
 * its own wallet, funded once by the demo admin. The decisions come from the pure core (core.ts).
 */

export interface SimulatorOptions {
  /** the gateway, e.g. http://127.0.0.1:8347 */
  gatewayUrl: string;
  /** the admin who funds the bots (the launcher's demo admin) */
  adminEmail: string;
  adminPassword: string;
  /** actions a second per market, on average (an action is about one order; the maker's may also cancel one) */
  ratePerMarket: number;
  /** seeds every walk and every bot's choices: the same seed, the same decisions */
  seed: number;
  /** the symbols to trade; every TRADING market when absent */
  symbols?: readonly string[];
  /** the standard deviation of the fair price's relative change over a minute */
  volatilityPerMinute?: number;
  /** the one-line summary's period */
  summaryEveryMs?: number;
  output: (line: string) => void;
  /** counts for /metrics, when the caller keeps them */
  metrics?: SimulatorMetricsSink;
}

/** Where the simulator reports what it does, as it happens (Prometheus counters in the simulator's process). */
export interface SimulatorMetricsSink {
  order(symbol: string, role: Role, outcome: string): void;
  cancel(symbol: string, role: Role, outcome: string): void;
  trade(symbol: string): void;
}

export interface SimulatorStats {
  orders: number;
  accepted: number;
  cancels: number;
  /** refusals by the exchange's error code */
  refusals: Map<string, number>;
  tradesSeen: number;
  botsReady: number;
  botsTotal: number;
}

/** What each bot starts with (credited once: the credits carry idempotency keys). */
const FUNDING: Record<Role, { cash: string; shares: bigint }> = {
  maker: { cash: '1000000.00', shares: 5000n },
  noise: { cash: '300000.00', shares: 1000n },
  momentum: { cash: '300000.00', shares: 1000n },
};
const BOT_PASSWORD = 'simulator-bot-demo';

/** The maker's quotes, as fractions of the fair price (basis points) and lots. */
const MAKER = { levels: 3, lotsPerLevel: 5, halfSpreadBps: 4, levelStepBps: 2, maxInventoryShares: 2000n };
const NOISE = { maxLots: 5, maxResting: 15, cancelChance: 0.25 };
const MOMENTUM = { maxLots: 5, threshold: 0.35, tapeLength: 20, tapeMaxAgeMs: 120_000 };
/** how often a bot reads back its open orders (and the maker its wallet) to forget what filled */
const SYNC_EVERY_MS = { maker: 8000, noise: 15_000, momentum: 60_000 } as const;

/** The bot's account for a role in a market: `sim-maker-aapl@exchange.local`. */
export function botEmail(role: Role, symbol: string): string {
  return `sim-${role}-${symbol.toLowerCase()}@exchange.local`;
}

interface Bot {
  role: Role;
  symbol: string;
  email: string;
  token?: string;
  client: ExchangeClient;
  ready: boolean;
  /** one action at a time per bot: an action due while it is busy is skipped */
  busy: boolean;
  /** after a 429 or 503: no action before this (ms since the epoch) */
  pausedUntil: number;
  /** the bot's open orders as it believes them to be, read back every SYNC_EVERY_MS */
  resting: Map<string, RestingQuote & { at: number }>;
  syncedAt: number;
  /** the maker's shares minus what it started with */
  inventoryShares: bigint;
  rng: Rng;
}

interface SimMarket {
  market: Market;
  tickCents: bigint;
  lotSize: bigint;
  walk: FairPriceWalk;
  rng: Rng;
  bots: Record<Role, Bot>;
  tape: Array<TapeTrade & { at: number }>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const retryAfterMs = (error: ExchangeApiError) => {
  const seconds = Number(error.retryAfter ?? error.details?.retryAfterSeconds);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
};

/**
 * The simulator: `start()` signs in, lists the markets and sets each bot up in the background
 * (makers first, so books fill first), then every market acts on its own schedule until `stop()`.
 */
export class MarketSimulator {
  readonly stats: SimulatorStats = { orders: 0, accepted: 0, cancels: 0, refusals: new Map(), tradesSeen: 0, botsReady: 0, botsTotal: 0 };
  private readonly abort = new AbortController();
  private readonly markets: SimMarket[] = [];
  private stream: ExchangeStream | undefined;
  private readonly running: Promise<unknown>[] = [];
  private lastSummary = { at: Date.now(), orders: 0, accepted: 0, cancels: 0, tradesSeen: 0, refusals: new Map<string, number>() };
  private unreachableSaidAt = 0;
  /** settles once every bot is set up; rejects when that failed (the admin's sign-in refused, say) */
  ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: SimulatorOptions) {}

  /** Fair prices by symbol, as decimal strings. */
  fairPrices(): Record<string, string> {
    return Object.fromEntries(this.markets.map((m) => [m.market.symbol, priceText(m.walk.priceTicks, m.tickCents)]));
  }

  /** Lists the markets to trade and starts them; the bots join as their accounts are ready. Returns the symbols. */
  async start(): Promise<string[]> {
    const { options } = this;
    const anonymous = this.client();
    const listed = (await this.retrying(() => anonymous.markets())).items;
    const wanted = options.symbols?.map((symbol) => symbol.toUpperCase());
    const unknown = wanted?.filter((symbol) => !listed.some((market) => market.symbol === symbol)) ?? [];
    if (unknown.length > 0) throw new Error(`no such market: ${unknown.join(', ')}`);
    const chosen = listed.filter((market) => market.status === 'TRADING' && (!wanted || wanted.includes(market.symbol)));
    for (const market of chosen) this.markets.push(await this.prepareMarket(market, anonymous));
    this.stats.botsTotal = this.markets.length * ROLE_WEIGHTS.length;
    this.followTrades();
    this.ready = this.setUpBots();
    // a failure is the caller's to handle (through `ready`); stop() must not see it again
    this.running.push(this.ready.catch(() => {}));
    for (const market of this.markets) this.running.push(this.runMarket(market));
    this.running.push(this.summarise());
    return this.markets.map((m) => m.market.symbol);
  }

  /** Stops every schedule and the stream; orders already sent are left as they are (resting quotes stay). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.stream?.stop();
    await Promise.allSettled(this.running);
  }

  private client(token?: () => string | undefined): ExchangeClient {
    return createExchangeClient({ baseUrl: this.options.gatewayUrl, ...(token ? { token } : {}), headers: { 'user-agent': 'exchange-market-simulator' } });
  }

  /** An anonymous or setup call, again after a 429/503/network failure until it is answered. */
  private async retrying<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof ExchangeApiError) || ![0, 429, 503].includes(error.status) || this.abort.signal.aborted) throw error;
        this.refused(error.code);
        // say so when the exchange is not there at all (a wrong --gateway), at most every 10 s
        if (error.status === 0 && Date.now() - this.unreachableSaidAt > 10_000) {
          this.unreachableSaidAt = Date.now();
          this.options.output(`simulator: ${error.message}; trying again`);
        }
        await sleep(retryAfterMs(error), this.abort.signal);
      }
    }
  }

  private async prepareMarket(market: Market, anonymous: ExchangeClient): Promise<SimMarket> {
    const tickCents = centsOf(market.tickSize);
    const lotSize = BigInt(market.lotSize);
    // the walk starts at the last trade when there is one (a restart continues where the market is)
    const last = (await this.retrying(() => anonymous.trades({ params: { symbol: market.symbol }, query: { limit: 1 } }))).items[0];
    const startTicks = Math.max(1, ticksOf(last?.price ?? market.referencePrice, tickCents));
    const seed = this.options.seed;
    const walk = new FairPriceWalk(
      { startTicks, volatilityPerMinute: this.options.volatilityPerMinute ?? 0.002, reversionPerMinute: 0.002 },
      new Rng(deriveSeed(seed, `walk:${market.symbol}`)),
    );
    const bots = {} as Record<Role, Bot>;
    for (const [role] of ROLE_WEIGHTS) {
      const bot: Bot = {
        role,
        symbol: market.symbol,
        email: botEmail(role, market.symbol),
        client: undefined as unknown as ExchangeClient,
        ready: false,
        busy: false,
        pausedUntil: 0,
        resting: new Map(),
        syncedAt: 0,
        inventoryShares: 0n,
        rng: new Rng(deriveSeed(seed, `${role}:${market.symbol}`)),
      };
      bot.client = this.client(() => bot.token);
      bots[role] = bot;
    }
    return { market, tickCents, lotSize, walk, rng: new Rng(deriveSeed(seed, `schedule:${market.symbol}`)), bots, tape: [] };
  }

  /** One stream for the trades of every market: the tape momentum follows, and the count of trades seen. */
  private followTrades(): void {
    const url = `${this.options.gatewayUrl.replace(/^http/, 'ws')}/v1/stream`;
    this.stream = new ExchangeStream({ url, WebSocket: WebSocket as unknown as WebSocketFactory });
    for (const market of this.markets) {
      const symbol = market.market.symbol;
      this.stream.subscribe(`trades:${symbol}`, (event) => {
        const toTape = (trade: { price: string; quantity: string; takerSide: 'BUY' | 'SELL' }) => ({
          priceTicks: ticksOf(trade.price, market.tickCents),
          lots: Number(BigInt(trade.quantity) / market.lotSize),
          takerSide: trade.takerSide,
          at: Date.now(),
        });
        // a snapshot is newest first; the tape is oldest first
        if (event.type === 'snapshot') market.tape = event.data.items.slice(0, MOMENTUM.tapeLength).reverse().map(toTape);
        else if (event.type === 'update') {
          market.tape.push(toTape(event.data));
          if (market.tape.length > MOMENTUM.tapeLength) market.tape.shift();
          this.stats.tradesSeen += 1;
          this.options.metrics?.trade(symbol);
        }
      });
    }
    this.stream.start();
  }

  /** Every bot's account, sign-in and funds, one after another (the sign-in routes are limited per address): makers first. */
  private async setUpBots(): Promise<void> {
    const { signal } = this.abort;
    const admin = this.client(() => adminToken);
    let adminToken: string | undefined;
    try {
      adminToken = (await this.retrying(() => admin.logIn({ body: { email: this.options.adminEmail, password: this.options.adminPassword } }))).accessToken;
      for (const [role] of ROLE_WEIGHTS) {
        for (const market of this.markets) {
          if (signal.aborted) return;
          const bot = market.bots[role];
          await this.register(bot);
          const funding = FUNDING[role];
          const shares = (funding.shares / market.lotSize) * market.lotSize;
          for (const [asset, amount] of [
            ['USD', funding.cash],
            [market.market.symbol, shares.toString()],
          ] as const) {
            // the same key and body on every start: the credit happens once
            await this.retrying(() =>
              admin.adminCredit({ body: { email: bot.email, asset, amount }, headers: { 'idempotency-key': `simulator:${bot.email}:${asset}:${amount}` } }),
            );
          }
          await this.signIn(bot);
          bot.ready = true;
          this.stats.botsReady += 1;
        }
      }
      this.options.output(`simulator: all ${this.stats.botsTotal} bots are trading`);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
  }

  private async register(bot: Bot): Promise<void> {
    try {
      await this.retrying(() => bot.client.register({ body: { email: bot.email, password: BOT_PASSWORD, name: `Simulator ${bot.role} ${bot.symbol}` } }));
    } catch (error) {
      // an account of an earlier start
      if (!(error instanceof ExchangeApiError && error.code === 'EMAIL_TAKEN')) throw error;
    }
  }

  private async signIn(bot: Bot): Promise<void> {
    bot.token = undefined;
    bot.token = (await this.retrying(() => bot.client.logIn({ body: { email: bot.email, password: BOT_PASSWORD } }))).accessToken;
  }

  /** A market's open-loop schedule: at each due time the walk moves and one bot (chosen by weight) acts, without waiting for it. */
  private async runMarket(market: SimMarket): Promise<void> {
    const { signal } = this.abort;
    let movedAt = Date.now();
    while (!signal.aborted) {
      await sleep(nextDelayMs(market.rng, this.options.ratePerMarket), signal);
      if (signal.aborted) return;
      const now = Date.now();
      market.walk.step((now - movedAt) / 1000);
      movedAt = now;
      const bot = market.bots[market.rng.pick(ROLE_WEIGHTS)];
      if (!bot.ready || bot.busy || now < bot.pausedUntil) continue;
      bot.busy = true;
      void this.act(market, bot)
        .catch((error: unknown) => this.options.output(`simulator: ${bot.email} failed: ${(error as Error).stack ?? String(error)}`))
        .finally(() => {
          bot.busy = false;
        });
    }
  }

  private async act(market: SimMarket, bot: Bot): Promise<void> {
    if (Date.now() - bot.syncedAt > SYNC_EVERY_MS[bot.role]) await this.sync(market, bot);
    const fair = market.walk.priceTicks;
    if (bot.role === 'maker') {
      const lot = market.lotSize;
      const wanted = makerLadder({
        fairTicks: fair,
        inventoryLots: Number(bot.inventoryShares / lot),
        maxInventoryLots: Number(MAKER.maxInventoryShares / lot),
        levels: MAKER.levels,
        lotsPerLevel: MAKER.lotsPerLevel,
        halfSpreadTicks: (fair * MAKER.halfSpreadBps) / 10_000,
        levelStepTicks: (fair * MAKER.levelStepBps) / 10_000,
        maxSkewTicks: (fair * MAKER.halfSpreadBps) / 10_000,
      });
      const plan = requotePlan(wanted, [...bot.resting.values()], fair);
      if (plan.cancel) await this.cancel(bot, plan.cancel.id);
      if (plan.place) await this.place(market, bot, { type: 'LIMIT', timeInForce: 'GTC', ...plan.place });
      return;
    }
    if (bot.role === 'noise') {
      const resting = [...bot.resting.values()];
      if (resting.length >= NOISE.maxResting || (resting.length > 0 && bot.rng.chance(NOISE.cancelChance))) {
        await this.cancel(bot, resting[bot.rng.int(resting.length)]!.id);
        return;
      }
      const halfSpread = Math.max(1, Math.round((fair * MAKER.halfSpreadBps) / 10_000));
      await this.place(
        market,
        bot,
        noiseOrder(bot.rng, { fairTicks: fair, restingRangeTicks: 3 * halfSpread, crossTicks: 2 * halfSpread, maxLots: NOISE.maxLots }),
      );
      return;
    }
    const recent = market.tape.filter((trade) => Date.now() - trade.at < MOMENTUM.tapeMaxAgeMs);
    const halfSpread = Math.max(1, Math.round((fair * MAKER.halfSpreadBps) / 10_000));
    const order = momentumOrder(bot.rng, momentumSignal(recent), fair, { threshold: MOMENTUM.threshold, maxLots: MOMENTUM.maxLots, crossTicks: halfSpread });
    if (order) await this.place(market, bot, order);
  }

  /** Reads back the bot's open orders (forgetting those that filled or were cancelled) and the maker's holding. */
  private async sync(market: SimMarket, bot: Bot): Promise<void> {
    bot.syncedAt = Date.now();
    const open = await this.attempt(bot, () => bot.client.orders({ query: { status: 'open', symbol: bot.symbol, limit: 200 } }));
    if (open) {
      bot.resting.clear();
      for (const order of open.items) this.remember(market, bot, order);
    }
    if (bot.role !== 'maker') return;
    const wallet = await this.attempt(bot, () => bot.client.wallet());
    const shares = wallet?.balances.find((balance) => balance.asset === bot.symbol);
    if (shares) bot.inventoryShares = BigInt(shares.total) - (FUNDING.maker.shares / market.lotSize) * market.lotSize;
  }

  private remember(market: SimMarket, bot: Bot, order: Order): void {
    if (order.price === null || order.cancelRequested || (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED')) return;
    bot.resting.set(order.id, { id: order.id, side: order.side, priceTicks: ticksOf(order.price, market.tickCents), at: Date.now() });
  }

  private async place(market: SimMarket, bot: Bot, choice: OrderChoice): Promise<void> {
    const body = {
      symbol: market.market.symbol,
      side: choice.side,
      type: choice.type,
      timeInForce: choice.timeInForce,
      quantity: quantityText(choice.lots, market.lotSize),
      ...(choice.type === 'LIMIT' ? { price: priceText(choice.priceTicks, market.tickCents) } : {}),
      postOnly: false,
    };
    this.stats.orders += 1;
    const placed = await this.attempt(
      bot,
      () => bot.client.placeOrder({ body }),
      (outcome) => this.options.metrics?.order(bot.symbol, bot.role, outcome),
    );
    if (!placed) return;
    this.stats.accepted += 1;
    this.options.metrics?.order(bot.symbol, bot.role, 'accepted');
    this.remember(market, bot, placed.order);
  }

  private async cancel(bot: Bot, id: string): Promise<void> {
    bot.resting.delete(id);
    this.stats.cancels += 1;
    const cancelled = await this.attempt(
      bot,
      () => bot.client.cancelOrder({ params: { id } }),
      (outcome) => this.options.metrics?.cancel(bot.symbol, bot.role, outcome),
    );
    if (cancelled) this.options.metrics?.cancel(bot.symbol, bot.role, 'accepted');
  }

  /**
   * A bot's call: a refusal is counted by its code and never ends the simulator (insufficient
   * funds, an order that filled before its cancel...); a 429 or 503 pauses the bot for the
   * Retry-After the exchange asked; an expired token is renewed.
   */
  private async attempt<T>(bot: Bot, call: () => Promise<T>, onRefusal?: (code: string) => void): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ExchangeApiError)) throw error;
      this.refused(error.code);
      onRefusal?.(error.code);
      if (error.status === 429 || error.status === 503 || error.status === 0) bot.pausedUntil = Date.now() + retryAfterMs(error);
      if (error.status === 401 && bot.ready) {
        bot.ready = false;
        this.stats.botsReady -= 1;
        void this.signIn(bot)
          .then(() => {
            bot.ready = true;
            this.stats.botsReady += 1;
          })
          .catch((failure: unknown) => this.options.output(`simulator: ${bot.email} could not sign in again: ${(failure as Error).message}`));
      }
      return undefined;
    }
  }

  private refused(code: string): void {
    this.stats.refusals.set(code, (this.stats.refusals.get(code) ?? 0) + 1);
  }

  /** The one-line summary of each period: orders, cancels, refusals by code, trades seen, bots, fair prices. */
  summaryLine(): string {
    const now = Date.now();
    const last = this.lastSummary;
    const refusals = [...this.stats.refusals]
      .map(([code, count]) => [code, count - (last.refusals.get(code) ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .map(([code, count]) => `${code} ${count}`);
    const line =
      `simulator: last ${Math.round((now - last.at) / 1000)} s: ${this.stats.orders - last.orders} orders (${this.stats.accepted - last.accepted} accepted), ` +
      `${this.stats.cancels - last.cancels} cancels, refusals ${refusals.length > 0 ? refusals.join(', ') : 'none'}, ` +
      `${this.stats.tradesSeen - last.tradesSeen} trades seen; bots ${this.stats.botsReady}/${this.stats.botsTotal}; fair ` +
      Object.entries(this.fairPrices())
        .map(([symbol, price]) => `${symbol} ${price}`)
        .join(' ');
    this.lastSummary = { at: now, ...this.stats, refusals: new Map(this.stats.refusals) };
    return line;
  }

  private async summarise(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      await sleep(this.options.summaryEveryMs ?? 30_000, signal);
      if (!signal.aborted) this.options.output(this.summaryLine());
    }
  }
}
