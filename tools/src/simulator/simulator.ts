import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import WebSocket from 'ws';
import { z } from 'zod';
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
import { percentile } from '../bench/bench-support.js';
import { sendOrder, wallClock } from './send.js';
import { apiKeySigner, type RequestSigner } from '@exchange/client/signing';

/**
 * The market simulator's I/O: bots that trade through the public API exactly as any client would
 * (the typed SDK for REST, ExchangeStream for the trades they follow). The bots of one role in up
 * to MARKETS_PER_ACCOUNT markets share a registered user (its wallet, funded once by the demo
 * admin) and sign every request with that user's API key, as a program trading for someone does.
 * The decisions come from the pure core (core.ts).
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
  /**
   * where the accounts' API keys are kept between starts (a JSON file, readable by its owner only),
   * so a restart signs nobody in; none: made again at each start
   */
  keysFile?: string;
  /**
   * `load`: the same bots as a load generator. Every action due is sent on time even while the
   * bot's last one is unanswered, and each order's latency is counted from when it was due (no
   * coordinated omission); the summary gives the percentiles. `market` (the default): a bot still
   * busy lets an action go, as a person would.
   */
  mode?: 'market' | 'load';
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

/**
 * The bots of one role in this many markets share an account: few sign-ups and sign-ins (they are
 * rate-limited per address, and a person signing in at the same time shares that budget), while
 * each account's key stays far below the per-user request limit at the simulator's rates.
 */
export const MARKETS_PER_ACCOUNT = 10;

/** The account of a role's bots in the markets of a group: `sim-maker-1@exchange.local`. */
export function botEmail(role: Role, group: number): string {
  return `sim-${role}-${group + 1}@exchange.local`;
}

/** The label of the keys the simulator makes (its keys only are revoked when a user holds too many). */
const KEY_LABEL = 'market simulator';

const savedKeysSchema = z.record(z.string(), z.object({ keyId: z.string(), secret: z.string() }));
type SavedKeys = z.infer<typeof savedKeysSchema>;

/** A user the bots trade as: its email and the API key its requests are signed with. */
interface Account {
  email: string;
  role: Role;
  /** signs with the account's key once it has one */
  signer?: RequestSigner;
  client: ExchangeClient;
  /** set up (signed up, key made or found valid) */
  ready: boolean;
  /** a set-up under way (after a refusal of its key, say) */
  settingUp?: Promise<void>;
}

interface Bot {
  role: Role;
  symbol: string;
  email: string;
  account: Account;
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
  /** the bots' actions sent and not yet answered */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly accounts = new Map<string, Account>();
  private savedKeys: SavedKeys = {};
  /** in load mode, each order's ms from due to answered, since the last summary */
  private latencies: number[] | undefined;
  private stream: ExchangeStream | undefined;
  private readonly running: Promise<unknown>[] = [];
  private lastSummary = { at: Date.now(), orders: 0, accepted: 0, cancels: 0, tradesSeen: 0, refusals: new Map<string, number>() };
  private unreachableSaidAt = 0;
  /** settles once every bot is set up; rejects when that failed (the admin's sign-in refused, say) */
  ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: SimulatorOptions) {
    if (options.mode === 'load') this.latencies = [];
  }

  /** Load mode: the orders' latency from when each was due, since the last call (which empties it). */
  takeLatencies(): { n: number; p50: number; p99: number; max: number } | undefined {
    if (!this.latencies) return undefined;
    const sorted = this.latencies.sort((a, b) => a - b);
    this.latencies = [];
    if (sorted.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
    return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
  }

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
    this.savedKeys = this.loadKeys();
    for (const [index, market] of chosen.entries()) this.markets.push(await this.prepareMarket(market, Math.floor(index / MARKETS_PER_ACCOUNT), anonymous));
    this.stats.botsTotal = this.markets.length * ROLE_WEIGHTS.length;
    this.followTrades();
    this.ready = this.setUpBots();
    // a failure is the caller's to handle (through `ready`); stop() must not see it again
    this.running.push(this.ready.catch(() => {}));
    for (const market of this.markets) this.running.push(this.runMarket(market));
    this.running.push(this.summarise());
    return this.markets.map((m) => m.market.symbol);
  }

  /** Stops every schedule and the stream, once the actions under way are answered (resting quotes stay). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.stream?.stop();
    await Promise.allSettled(this.running);
    await Promise.allSettled([...this.inFlight]);
  }

  private client(auth?: { token?: () => string | undefined; signer?: RequestSigner }): ExchangeClient {
    return createExchangeClient({
      baseUrl: this.options.gatewayUrl,
      ...(auth?.token ? { token: auth.token } : {}),
      ...(auth?.signer ? { signer: auth.signer } : {}),
      headers: { 'user-agent': 'exchange-market-simulator' },
    });
  }

  /** The account of a role's bots in a group of markets (made once, shared by its bots). */
  private accountOf(role: Role, group: number): Account {
    const email = botEmail(role, group);
    let account = this.accounts.get(email);
    if (!account) {
      const created: Account = { email, role, ready: false, client: undefined as unknown as ExchangeClient };
      // signed with the account's key as it is when the request goes out (none until it is set up)
      created.client = this.client({ signer: (request) => created.signer?.(request) ?? {} });
      account = created;
      this.accounts.set(email, account);
    }
    return account;
  }

  private loadKeys(): SavedKeys {
    const file = this.options.keysFile;
    if (!file || !existsSync(file)) return {};
    const parsed = savedKeysSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      this.options.output(`simulator: ${file} is not a keys file of the simulator; its accounts get new keys`);
      return {};
    }
    return parsed.data;
  }

  private saveKeys(): void {
    const file = this.options.keysFile;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(this.savedKeys, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }

  /**
   * An account ready to trade: its saved key still works, or it is signed up (once), signed in and
   * given a new key with the read and trade scopes, which is saved for the next start.
   */
  private async setUpAccount(account: Account): Promise<void> {
    const saved = this.savedKeys[account.email];
    if (saved) {
      account.signer = apiKeySigner(saved);
      try {
        await this.retrying(() => account.client.me());
        account.ready = true;
        return;
      } catch (error) {
        // a key of another database, or revoked: make a new one
        if (!(error instanceof ExchangeApiError && error.status === 401)) throw error;
        account.signer = undefined;
      }
    }
    const anonymous = this.client();
    try {
      await this.retrying(() => anonymous.register({ body: { email: account.email, password: BOT_PASSWORD, name: `Simulator ${account.role} bot` } }));
    } catch (error) {
      // an account of an earlier start
      if (!(error instanceof ExchangeApiError && error.code === 'EMAIL_TAKEN')) throw error;
    }
    const { accessToken } = await this.retrying(() => anonymous.logIn({ body: { email: account.email, password: BOT_PASSWORD } }));
    const session = this.client({ token: () => accessToken });
    const create = () => session.createApiKey({ body: { label: KEY_LABEL, scopes: ['read', 'trade'] } });
    let created: Awaited<ReturnType<typeof create>>;
    try {
      created = await this.retrying(create);
    } catch (error) {
      if (!(error instanceof ExchangeApiError && error.code === 'API_KEY_LIMIT_REACHED')) throw error;
      // keys of earlier starts whose file was lost: the simulator's own are revoked, then one is made
      for (const key of (await this.retrying(() => session.apiKeys())).items) {
        if (key.label === KEY_LABEL && key.revokedAt === null) await this.retrying(() => session.revokeApiKey({ params: { id: key.id } }));
      }
      created = await this.retrying(create);
    }
    if (!created.secret) throw new Error(`the exchange made no secret for ${account.email}'s key`);
    const credentials = { keyId: created.apiKey.id, secret: created.secret };
    this.savedKeys[account.email] = credentials;
    this.saveKeys();
    account.signer = apiKeySigner(credentials);
    account.ready = true;
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

  private async prepareMarket(market: Market, group: number, anonymous: ExchangeClient): Promise<SimMarket> {
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
      const account = this.accountOf(role, group);
      const bot: Bot = {
        role,
        symbol: market.symbol,
        email: account.email,
        account,
        client: account.client,
        ready: false,
        busy: false,
        pausedUntil: 0,
        resting: new Map(),
        syncedAt: 0,
        inventoryShares: 0n,
        rng: new Rng(deriveSeed(seed, `${role}:${market.symbol}`)),
      };
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

  /** Every account and every bot's funds, one after another (the sign-in routes are limited per address): makers first. */
  private async setUpBots(): Promise<void> {
    const { signal } = this.abort;
    const admin = this.client({ token: () => adminToken });
    let adminToken: string | undefined;
    try {
      adminToken = (await this.retrying(() => admin.logIn({ body: { email: this.options.adminEmail, password: this.options.adminPassword } }))).accessToken;
      for (const [role] of ROLE_WEIGHTS) {
        for (const market of this.markets) {
          if (signal.aborted) return;
          const bot = market.bots[role];
          if (!bot.account.ready) await this.setUpAccount(bot.account);
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

  /** A market's open-loop schedule: at each due time the walk moves and one bot (chosen by weight) acts, without waiting for it. */
  private async runMarket(market: SimMarket): Promise<void> {
    const { signal } = this.abort;
    let movedAt = Date.now();
    // the schedule is kept on the clock: each action is due a random delay after the one before,
    // whenever the one before was answered (an open loop)
    let dueAt = wallClock();
    while (!signal.aborted) {
      dueAt += nextDelayMs(market.rng, this.options.ratePerMarket);
      await sleep(Math.max(0, dueAt - wallClock()), signal);
      if (signal.aborted) return;
      const now = Date.now();
      market.walk.step((now - movedAt) / 1000);
      movedAt = now;
      const bot = market.bots[market.rng.pick(ROLE_WEIGHTS)];
      if (!bot.ready || !bot.account.ready || now < bot.pausedUntil) continue;
      // in market mode a bot still busy with its last action lets this one go; under load nothing waits
      if (bot.busy && !this.latencies) continue;
      bot.busy = true;
      const action: Promise<void> = this.act(market, bot, dueAt)
        .catch((error: unknown) => this.options.output(`simulator: ${bot.email} failed: ${(error as Error).stack ?? String(error)}`))
        .finally(() => {
          bot.busy = false;
          this.inFlight.delete(action);
        });
      this.inFlight.add(action);
    }
  }

  private async act(market: SimMarket, bot: Bot, dueAt: number): Promise<void> {
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
      if (plan.place) await this.place(market, bot, { type: 'LIMIT', timeInForce: 'GTC', ...plan.place }, dueAt);
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
        dueAt,
      );
      return;
    }
    const recent = market.tape.filter((trade) => Date.now() - trade.at < MOMENTUM.tapeMaxAgeMs);
    const halfSpread = Math.max(1, Math.round((fair * MAKER.halfSpreadBps) / 10_000));
    const order = momentumOrder(bot.rng, momentumSignal(recent), fair, { threshold: MOMENTUM.threshold, maxLots: MOMENTUM.maxLots, crossTicks: halfSpread });
    if (order) await this.place(market, bot, order, dueAt);
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

  private async place(market: SimMarket, bot: Bot, choice: OrderChoice, dueAt: number): Promise<void> {
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
    const sent = await sendOrder(bot.client, body, dueAt);
    this.latencies?.push(sent.answeredAt - sent.dueAt);
    if (sent.refusal) {
      this.refusedBy(bot, sent.refusal);
      this.options.metrics?.order(bot.symbol, bot.role, sent.refusal.code);
      return;
    }
    this.stats.accepted += 1;
    this.options.metrics?.order(bot.symbol, bot.role, 'accepted');
    if (sent.order) this.remember(market, bot, sent.order);
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
      this.refusedBy(bot, error);
      onRefusal?.(error.code);
      return undefined;
    }
  }

  /** A refusal of a bot's request: counted; a 429 or 503 pauses the bot; a refused key is replaced. */
  private refusedBy(bot: Bot, error: ExchangeApiError): void {
    this.refused(error.code);
    if (error.status === 429 || error.status === 503 || error.status === 0) bot.pausedUntil = Date.now() + retryAfterMs(error);
    // the account's key was refused (revoked, say): the account's bots wait while it gets a new one
    if (error.status === 401 && bot.account.ready) {
      const { account } = bot;
      account.ready = false;
      account.settingUp = this.setUpAccount(account)
        .catch((failure: unknown) => this.options.output(`simulator: ${account.email} could not get a new key: ${(failure as Error).message}`))
        .finally(() => {
          account.settingUp = undefined;
        });
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
    const latency = this.takeLatencies();
    if (!latency) return line;
    return `${line}; orders from due to answered: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms (${latency.n})`;
  }

  private async summarise(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      await sleep(this.options.summaryEveryMs ?? 30_000, signal);
      if (!signal.aborted) this.options.output(this.summaryLine());
    }
  }
}
