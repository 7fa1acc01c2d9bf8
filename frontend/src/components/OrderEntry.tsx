import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, exchange, newId } from '../lib/api';
import { CASH_SCALE, formatQty, formatUsd, parseUnits } from '@exchange/client';
import { checkOrder, TIME_IN_FORCE_FOR, type OrderDraft, type OrderType, type PlaceOrderBody, type Side, type TimeInForce } from '../lib/order-entry';
import { keys, useBalance, useWallet } from '../lib/queries';
import type { Market, Ticker } from '@exchange/client';
import { AddFundsLink, Button, ErrorNotice, Field, inputClass } from './ui';

/** Puts the keyboard in the order form: its price, or its quantity for a market order. */
export function focusOrderEntry(): void {
  const price = document.getElementById('order-price') as HTMLInputElement | null;
  const target = price && !price.disabled ? price : document.getElementById('order-quantity');
  target?.scrollIntoView({ block: 'center' });
  target?.focus();
}

/** A buy needs USD: with none available, the form says so first and leads to the add-funds form. */
function NoCash({ held }: { held: boolean }) {
  return (
    <div className="space-y-1 rounded-md border border-sky-800 bg-sky-950/60 px-3 py-2 text-sm" data-testid="order-entry-no-cash">
      <p className="text-slate-100">
        {held ? 'All your USD is held by open orders: add funds or cancel an order to buy more.' : 'You have no USD yet: add funds to place a buy order.'}
      </p>
      <AddFundsLink className="inline-block font-medium text-sky-300 underline" testId="order-entry-add-funds" />
    </div>
  );
}

export function OrderEntry({
  market,
  ticker,
  price,
  onPrice,
}: {
  market: Market;
  ticker: Ticker | undefined;
  price: string;
  onPrice: (price: string) => void;
}) {
  const queryClient = useQueryClient();
  const wallet = useWallet();
  const cash = useBalance('USD');
  const shares = useBalance(market.baseAsset);
  const [side, setSide] = useState<Side>('BUY');
  const [type, setType] = useState<OrderType>('LIMIT');
  const [timeInForce, setTimeInForce] = useState<TimeInForce>('GTC');
  const [quantity, setQuantity] = useState('');
  const [postOnly, setPostOnly] = useState(false);
  const [touched, setTouched] = useState(false);

  const draft: OrderDraft = { side, type, timeInForce, price, quantity, postOnly };
  const opposite = side === 'BUY' ? ticker?.bestAsk : ticker?.bestBid;
  const funds = { cash: cash ? cash.available : null, shares: shares ? shares.available : '0' };
  const check = checkOrder(draft, market, funds, opposite);

  const place = useMutation({
    mutationFn: (body: PlaceOrderBody) => exchange.placeOrder({ body }),
    // the notification of the order follows on the user channel as a toast
    onSuccess: () => {
      setQuantity('');
      setTouched(false);
      void queryClient.invalidateQueries({ queryKey: keys.orders });
      void queryClient.invalidateQueries({ queryKey: keys.wallet });
    },
  });

  // only once the wallet is known: a loading wallet is not an empty one
  const noCash = wallet.data !== undefined && (parseUnits(cash?.available ?? '0', CASH_SCALE) ?? 0n) <= 0n;
  const cashHeld = noCash && (parseUnits(cash?.held ?? '0', CASH_SCALE) ?? 0n) > 0n;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!check.body) return;
    place.mutate({ ...check.body, clientOrderId: `web-${newId()}` });
  };
  const serverFields = place.error instanceof ApiError ? place.error.fields : {};
  const show = (field: 'price' | 'quantity' | 'timeInForce' | 'postOnly') => (touched ? check.errors[field] : undefined) ?? serverFields[field]?.join('; ');

  const changeType = (next: OrderType) => {
    setType(next);
    if (!TIME_IN_FORCE_FOR[next].includes(timeInForce)) setTimeInForce(next === 'MARKET' ? 'IOC' : 'GTC');
    if (next === 'MARKET') setPostOnly(false);
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-3" data-testid="order-entry" aria-label={`Place an order in ${market.symbol}`}>
      <fieldset className="grid grid-cols-2 gap-1 rounded-md border-0 bg-slate-950 p-1">
        <legend className="sr-only">Side</legend>
        <button
          type="button"
          aria-pressed={side === 'BUY'}
          data-testid="order-side-buy"
          onClick={() => setSide('BUY')}
          className={`rounded py-1.5 text-sm font-semibold ${side === 'BUY' ? 'bg-green-700 text-white' : 'text-slate-400 hover:text-white'}`}
        >
          Buy
        </button>
        <button
          type="button"
          aria-pressed={side === 'SELL'}
          data-testid="order-side-sell"
          onClick={() => setSide('SELL')}
          className={`rounded py-1.5 text-sm font-semibold ${side === 'SELL' ? 'bg-red-700 text-white' : 'text-slate-400 hover:text-white'}`}
        >
          Sell
        </button>
      </fieldset>
      {side === 'BUY' && noCash && <NoCash held={cashHeld} />}
      <div className="grid grid-cols-2 gap-2">
        <Field label="Type" htmlFor="order-type">
          <select id="order-type" data-testid="order-type" className={inputClass} value={type} onChange={(e) => changeType(e.target.value as OrderType)}>
            <option value="LIMIT">Limit</option>
            <option value="MARKET">Market</option>
          </select>
        </Field>
        <Field label="Time in force" htmlFor="order-tif" error={show('timeInForce')}>
          <select
            id="order-tif"
            data-testid="order-tif"
            className={inputClass}
            value={timeInForce}
            onChange={(e) => setTimeInForce(e.target.value as TimeInForce)}
          >
            {TIME_IN_FORCE_FOR[type].map((tif) => (
              <option key={tif} value={tif}>
                {tif}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field
        label={`Price (USD, tick ${market.tickSize})`}
        htmlFor="order-price"
        error={type === 'LIMIT' ? show('price') : undefined}
        hint={type === 'MARKET' ? 'Market: best available price, bounded by the protection price' : undefined}
      >
        <input
          id="order-price"
          data-testid="order-price"
          inputMode="decimal"
          autoComplete="off"
          className={`${inputClass} num`}
          disabled={type === 'MARKET'}
          value={type === 'MARKET' ? '' : price}
          placeholder={type === 'MARKET' ? 'market' : '0.00'}
          aria-invalid={Boolean(type === 'LIMIT' && show('price'))}
          onChange={(e) => onPrice(e.target.value)}
        />
      </Field>
      <Field label={`Quantity (shares, lot ${market.lotSize})`} htmlFor="order-quantity" error={show('quantity')}>
        <input
          id="order-quantity"
          data-testid="order-quantity"
          inputMode="numeric"
          autoComplete="off"
          className={`${inputClass} num`}
          value={quantity}
          placeholder="0"
          aria-invalid={Boolean(show('quantity'))}
          onChange={(e) => setQuantity(e.target.value)}
        />
      </Field>
      <label className="flex items-center gap-2 text-sm text-slate-300 has-[:disabled]:text-slate-400">
        <input
          type="checkbox"
          data-testid="order-post-only"
          checked={postOnly}
          disabled={type !== 'LIMIT' || timeInForce !== 'GTC'}
          onChange={(e) => setPostOnly(e.target.checked)}
          className="h-4 w-4 accent-sky-500"
        />
        Post-only (rest on the book, never take)
      </label>
      {show('postOnly') && <p className="text-xs text-red-400">{show('postOnly')}</p>}

      <dl className="space-y-1 rounded-md bg-slate-950 p-2 text-xs" data-testid="order-cost">
        <div className="flex justify-between gap-2">
          <dt className="text-slate-400">{check.cost?.estimate ? 'Est. value' : 'Value'}</dt>
          <dd className="num" data-testid="order-notional">
            {check.cost ? formatUsd(check.cost.notional) : '—'}
          </dd>
        </div>
        <div className="flex justify-between gap-2">
          <dt className="text-slate-400">Max fee ({Math.max(market.makerFeeBps, market.takerFeeBps)} bp)</dt>
          <dd className="num" data-testid="order-fee">
            {check.cost ? formatUsd(check.cost.fee) : '—'}
          </dd>
        </div>
        <div className="flex justify-between gap-2 font-semibold">
          <dt className="text-slate-300">{side === 'BUY' ? 'Cost incl. fee' : 'Proceeds before fee'}</dt>
          <dd className="num" data-testid="order-total">
            {check.cost ? formatUsd(side === 'BUY' ? check.cost.total : check.cost.notional) : '—'}
          </dd>
        </div>
        <div className="flex justify-between gap-2 border-t border-slate-800 pt-1">
          <dt className="text-slate-400">Available</dt>
          <dd className="num" data-testid="order-available">
            {side === 'BUY' ? `${formatUsd(cash?.available ?? null)} USD` : `${formatQty(shares?.available ?? '0')} ${market.baseAsset}`}
          </dd>
        </div>
      </dl>
      {(touched ? (check.errors.funds ?? check.errors.market) : check.errors.market) && (
        <p className="text-xs text-amber-400" role="alert" data-testid="order-warning">
          {check.errors.market ?? check.errors.funds}
          {!check.errors.market && side === 'BUY' && (
            <>
              {' '}
              <AddFundsLink className="font-medium text-sky-300 underline" />
            </>
          )}
        </p>
      )}
      {place.error && <ErrorNotice error={place.error} testId="order-error" />}
      <Button type="submit" variant={side === 'BUY' ? 'buy' : 'sell'} className="w-full py-2" disabled={place.isPending} data-testid="order-submit">
        {place.isPending ? 'Sending…' : `${side === 'BUY' ? 'Buy' : 'Sell'} ${market.symbol}`}
      </Button>
    </form>
  );
}
