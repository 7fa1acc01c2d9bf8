import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { Link, useLocation } from 'react-router';
import { Button, Empty, ErrorNotice, Field, inputClass, Panel, td, th, time } from '../components/ui';
import { ApiError, exchange, newId } from '../lib/api';
import { useToken } from '../lib/auth-store';
import { CASH_SCALE, formatAsset, parseUnits } from '@exchange/client';
import { keys, useWallet } from '../lib/queries';

/** The id of the add-funds form: a link to `/wallet#add-funds` lands there with its amount field focused. */
export const ADD_FUNDS_ID = 'add-funds';

function AddFunds({ inputRef }: { inputRef: RefObject<HTMLInputElement | null> }) {
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState('');
  const [local, setLocal] = useState<string>();
  const addFunds = useMutation({
    // one Idempotency-Key per deposit: a retried request credits once
    mutationFn: (vars: { amount: string; key: string }) => exchange.addFunds({ body: { amount: vars.amount }, headers: { 'idempotency-key': vars.key } }),
    onSuccess: () => {
      setAmount('');
      void queryClient.invalidateQueries({ queryKey: keys.wallet });
      void queryClient.invalidateQueries({ queryKey: keys.transactions });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const cents = parseUnits(amount, CASH_SCALE);
    if (cents === null || cents <= 0n) return setLocal('Enter an amount such as 1000 or 250.50 (at most 2 decimals).');
    setLocal(undefined);
    addFunds.mutate({ amount: amount.trim(), key: `web-${newId()}` });
  };
  const serverField = addFunds.error instanceof ApiError ? addFunds.error.fields.amount?.join('; ') : undefined;
  return (
    <form id={ADD_FUNDS_ID} onSubmit={submit} noValidate className="flex scroll-mt-20 flex-wrap items-end gap-2" aria-label="Add funds">
      <div className="w-48">
        <Field label="Amount (USD)" htmlFor="add-funds-amount" error={local ?? serverField}>
          <input
            ref={inputRef}
            id="add-funds-amount"
            data-testid="add-funds-amount"
            inputMode="decimal"
            className={`${inputClass} num`}
            value={amount}
            placeholder="1000.00"
            aria-invalid={Boolean(local ?? serverField)}
            onChange={(e) => setAmount(e.target.value)}
          />
        </Field>
      </div>
      <Button type="submit" disabled={addFunds.isPending} data-testid="add-funds-submit">
        {addFunds.isPending ? 'Adding…' : 'Add funds'}
      </Button>
      {addFunds.error && (
        <div className="w-full">
          <ErrorNotice error={addFunds.error} testId="add-funds-error" />
        </div>
      )}
    </form>
  );
}

function Transactions() {
  const token = useToken();
  const query = useInfiniteQuery({
    queryKey: keys.transactions,
    queryFn: ({ pageParam }) => exchange.transactions({ query: { limit: 25, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: Boolean(token),
  });
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Panel title="Transactions" testId="transactions">
      {query.error && <ErrorNotice error={query.error} />}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[32rem]">
          <thead>
            <tr>
              <th className={`${th} text-left`}>Time</th>
              <th className={`${th} text-left`}>Type</th>
              <th className={`${th} text-left`}>Asset</th>
              <th className={`${th} text-right`}>Amount</th>
              <th className={`${th} text-right`}>Balance after</th>
              <th className={`${th} text-left`}>Reference</th>
            </tr>
          </thead>
          <tbody>
            {items.map((tx) => (
              <tr key={`${tx.id}-${tx.asset}`} className="border-t border-slate-800" data-testid={`transaction-${tx.id}`}>
                <td className={`${td} whitespace-nowrap text-slate-400`}>{time(tx.createdAt)}</td>
                <td className={`${td} text-xs`}>{tx.type}</td>
                <td className={td}>{tx.asset}</td>
                <td className={`${td} num ${tx.amount.startsWith('-') ? 'text-down' : 'text-up'}`}>{formatAsset(tx.amount, tx.asset)}</td>
                <td className={`${td} num`}>{formatAsset(tx.balanceAfter, tx.asset)}</td>
                <td className={`${td} max-w-[14rem] truncate font-mono text-xs text-slate-400`}>{tx.reference ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && <Empty>{query.isPending ? 'Loading…' : 'No transactions yet: deposits, trades and fees are listed here.'}</Empty>}
      {query.hasNextPage && (
        <div className="mt-2 text-center">
          <Button variant="secondary" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage} data-testid="transactions-more">
            {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </Button>
        </div>
      )}
    </Panel>
  );
}

/** nothing at all in the wallet: every balance (if any) is zero */
export function isEmptyWallet(balances: { total: string }[]): boolean {
  return balances.every((balance) => /^0*(\.0*)?$/.test(balance.total));
}

export function WalletPage() {
  const wallet = useWallet();
  const amountRef = useRef<HTMLInputElement>(null);
  const location = useLocation();
  const openAddFunds = () => {
    amountRef.current?.scrollIntoView({ block: 'center' });
    amountRef.current?.focus();
  };
  // arriving from a call to add funds elsewhere: the amount field takes the focus
  useEffect(() => {
    if (location.hash === `#${ADD_FUNDS_ID}`) amountRef.current?.focus();
  }, [location.hash]);
  const empty = wallet.data !== undefined && isEmptyWallet(wallet.data);
  const balances = [...(wallet.data ?? [])].sort((a, b) => (a.asset === 'USD' ? -1 : b.asset === 'USD' ? 1 : a.asset.localeCompare(b.asset)));
  if (!balances.some((b) => b.asset === 'USD') && wallet.data) balances.unshift({ asset: 'USD', available: '0.00', held: '0.00', total: '0.00' });
  return (
    <div className="space-y-3">
      {empty && (
        <section
          aria-labelledby="wallet-empty-title"
          className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-sky-800 bg-sky-950/60 px-4 py-3"
          data-testid="wallet-empty"
        >
          <div>
            <h2 id="wallet-empty-title" className="font-semibold text-slate-100">
              Your wallet is empty
            </h2>
            <p className="text-sm text-slate-300">
              Add US dollars to place your first order. Then pick a market in{' '}
              <Link to="/markets" className="text-sky-300 underline">
                Markets
              </Link>{' '}
              and buy.
            </p>
          </div>
          <Button onClick={openAddFunds} data-testid="wallet-empty-add-funds">
            Add funds
          </Button>
        </section>
      )}
      <Panel title="Balances" testId="balances">
        {wallet.error && <ErrorNotice error={wallet.error} />}
        <div className="overflow-x-auto">
          <table className="w-full min-w-[24rem]">
            <thead>
              <tr>
                <th className={`${th} text-left`}>Asset</th>
                <th className={`${th} text-right`}>Available</th>
                <th className={`${th} text-right`}>Held</th>
                <th className={`${th} text-right`}>Total</th>
              </tr>
            </thead>
            <tbody>
              {balances.map((b) => (
                <tr key={b.asset} className="border-t border-slate-800" data-testid={`balance-${b.asset}`}>
                  <td className={`${td} font-semibold`}>{b.asset}</td>
                  <td className={`${td} num`} data-testid={`balance-${b.asset}-available`}>
                    {formatAsset(b.available, b.asset)}
                  </td>
                  <td className={`${td} num text-slate-400`} data-testid={`balance-${b.asset}-held`}>
                    {formatAsset(b.held, b.asset)}
                  </td>
                  <td className={`${td} num`} data-testid={`balance-${b.asset}-total`}>
                    {formatAsset(b.total, b.asset)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {wallet.isPending && <Empty>Loading…</Empty>}
        <div className="mt-3 border-t border-slate-800 pt-3">
          <AddFunds inputRef={amountRef} />
        </div>
      </Panel>
      <Transactions />
    </div>
  );
}
