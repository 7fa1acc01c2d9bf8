import { OrderBook as ReferenceLibraryBook } from 'nodejs-order-book';
import { OrderBook, type Command, type EventSink } from '@exchange/matching-engine/domain';
import { seededRandom } from '@exchange/platform/testing';
import type { Print } from './bench-support.js';

const MID = 10_000;

/**
 * ~70% passive limit orders within 50 ticks of a mid price, ~20% cancels of live passive orders,
 * ~10% marketable orders (IOC limits through the mid, and market orders).
 */
export function engineWorkload(count: number, seed = 42): Command[] {
  const random = seededRandom(seed);
  const commands: Command[] = [];
  const live: string[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    const side = random() < 0.5 ? 'BUY' : 'SELL';
    const owner = `u${Math.floor(random() * 1000)}`;
    if (r < 0.7 || (r < 0.9 && live.length === 0)) {
      const offset = 1 + Math.floor(random() * random() * 50);
      const orderId = `o${++next}`;
      live.push(orderId);
      commands.push({
        kind: 'new',
        orderId,
        ownerId: owner,
        side,
        type: 'LIMIT',
        price: side === 'BUY' ? MID - offset : MID + offset,
        quantity: 1 + Math.floor(random() * 100),
        timeInForce: 'GTC',
        postOnly: false,
        selfTradePrevention: 'NONE',
      });
    } else if (r < 0.9) {
      const index = Math.floor(random() * live.length);
      const orderId = live[index]!;
      live[index] = live[live.length - 1]!;
      live.pop();
      commands.push({ kind: 'cancel', orderId });
    } else {
      const isMarket = random() < 0.3;
      commands.push({
        kind: 'new',
        orderId: `o${++next}`,
        ownerId: owner,
        side,
        type: isMarket ? 'MARKET' : 'LIMIT',
        price: isMarket ? 0 : side === 'BUY' ? MID + 5 : MID - 5,
        quantity: 1 + Math.floor(random() * 300),
        timeInForce: 'IOC',
        postOnly: false,
        selfTradePrevention: 'NONE',
      });
    }
  }
  return commands;
}

/** Counts events and keeps nothing: what the book costs, without the cost of recording its output. */
class CountingSink implements EventSink {
  events = 0;
  trades = 0;
  accepted(): void {
    this.events++;
  }
  trade(): void {
    this.events++;
    this.trades++;
  }
  canceled(): void {
    this.events++;
  }
  expired(): void {
    this.events++;
  }
  rejected(): void {
    this.events++;
  }
  reduced(): void {
    this.events++;
  }
  commandRejected(): void {
    this.events++;
  }
}

function runOurs(commands: Command[]): { seconds: number; sink: CountingSink; book: OrderBook } {
  const book = new OrderBook('BENCH');
  const sink = new CountingSink();
  const started = process.hrtime.bigint();
  for (let i = 0; i < commands.length; i++) book.apply(commands[i]!, sink);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, sink, book };
}

function latenciesOurs(commands: Command[]): Float64Array {
  const book = new OrderBook('BENCH');
  const sink = new CountingSink();
  const latencies = new Float64Array(commands.length);
  for (let i = 0; i < commands.length; i++) {
    const started = process.hrtime.bigint();
    book.apply(commands[i]!, sink);
    latencies[i] = Number(process.hrtime.bigint() - started);
  }
  return latencies.sort();
}

function runLibrary(commands: Command[]): number {
  const book = new ReferenceLibraryBook();
  const started = process.hrtime.bigint();
  for (const command of commands) {
    if (command.kind === 'cancel') book.cancel(command.orderId);
    else if (command.kind === 'new') {
      const side = command.side === 'BUY' ? 'buy' : 'sell';
      if (command.type === 'MARKET') book.market({ side, size: command.quantity } as never);
      else book.limit({ side, id: command.orderId, size: command.quantity, price: command.price, timeInForce: command.timeInForce } as never);
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const at = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const micros = (ns: number) => (ns / 1000).toFixed(2);

/** `npm run bench:engine`: the order book alone, in this process, on one thread. */
export async function engineBench(print: Print, count = 1_000_000): Promise<void> {
  const commands = engineWorkload(count);
  runOurs(engineWorkload(200_000, 7)); // warm up the JIT on another workload
  const runs = [runOurs(commands), runOurs(commands), runOurs(commands)];
  const best = runs.reduce((a, b) => (a.seconds < b.seconds ? a : b));
  const latencies = latenciesOurs(commands);
  runLibrary(engineWorkload(100_000, 7));
  const librarySeconds = Math.min(runLibrary(commands), runLibrary(commands));
  const ours = count / best.seconds;
  const theirs = count / librarySeconds;
  print(
    `Workload: ${count.toLocaleString('en-US')} commands (seed 42): ~70% passive limits within 50 ticks of the mid, ~20% cancels, ~10% marketable (IOC limits and market orders)`,
  );
  print(
    `Events: ${best.sink.events.toLocaleString('en-US')}, trades: ${best.sink.trades.toLocaleString('en-US')}, resting at the end: ${best.book.restingOrders.toLocaleString('en-US')}`,
  );
  print('');
  print('| book | commands/s | p50 µs | p99 µs | p99.9 µs | max µs |');
  print('|---|---|---|---|---|---|');
  print(
    `| @exchange/matching-engine OrderBook | ${Math.round(ours).toLocaleString('en-US')} | ${micros(at(latencies, 50))} | ${micros(at(latencies, 99))} | ${micros(at(latencies, 99.9))} | ${micros(latencies[latencies.length - 1]!)} |`,
  );
  print(`| nodejs-order-book 10.1.1 | ${Math.round(theirs).toLocaleString('en-US')} | | | | |`);
  print('');
  print(
    `Ratio: ${(ours / theirs).toFixed(1)}× nodejs-order-book (best of 3 runs for ours, best of 2 for theirs; latency from a separate timed run, including ~40 ns of timer overhead per command)`,
  );
}
