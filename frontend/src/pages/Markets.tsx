import { Link } from 'react-router';
import { Empty, ErrorNotice, Panel, td, th } from '../components/ui';
import { useLiveTicker } from '../lib/live';
import { formatDecimal, formatQty, formatUsd } from '@exchange/client';
import { useMarkets, useTicker } from '../lib/queries';
import type { Market } from '@exchange/client';

export function Change({ pct }: { pct: string | null | undefined }) {
  if (!pct) return <span className="text-slate-400">—</span>;
  const negative = pct.startsWith('-');
  const zero = /^-?0+(\.0+)?$/.test(pct);
  return (
    <span className={zero ? 'text-slate-300' : negative ? 'text-down' : 'text-up'}>
      {negative || zero ? '' : '+'}
      {formatDecimal(pct, 2)}%
    </span>
  );
}

function MarketRow({ market }: { market: Market }) {
  useLiveTicker(market.symbol);
  const ticker = useTicker(market.symbol);
  const t = ticker.data;
  return (
    <tr className="border-t border-slate-800 hover:bg-slate-800/40" data-testid={`market-row-${market.symbol}`}>
      <td className={td}>
        <Link to={`/trade/${market.symbol}`} className="font-semibold text-sky-300 hover:underline" data-testid={`market-link-${market.symbol}`}>
          {market.symbol}
        </Link>
        <span className="ml-2 hidden text-xs text-slate-400 sm:inline">{market.name}</span>
        {market.status === 'HALTED' && <span className="ml-2 rounded bg-amber-700 px-1 text-[10px]">HALTED</span>}
      </td>
      <td className={`${td} num`} data-testid={`market-last-${market.symbol}`}>
        {formatUsd(t?.last ?? null)}
      </td>
      <td className={`${td} num`} data-testid={`market-change-${market.symbol}`}>
        <Change pct={t?.changePct24h} />
      </td>
      <td className={`${td} num hidden md:table-cell`}>{formatUsd(t?.bestBid ?? null)}</td>
      <td className={`${td} num hidden md:table-cell`}>{formatUsd(t?.bestAsk ?? null)}</td>
      <td className={`${td} num hidden sm:table-cell`}>{formatQty(t?.volume24h ?? null)}</td>
    </tr>
  );
}

export function MarketsPage() {
  const markets = useMarkets();
  return (
    <Panel title="Markets" testId="markets">
      {markets.error && <ErrorNotice error={markets.error} />}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[20rem]">
          <thead>
            <tr>
              <th className={`${th} text-left`}>Market</th>
              <th className={`${th} text-right`}>Last</th>
              <th className={`${th} text-right`}>24h change</th>
              <th className={`${th} hidden text-right md:table-cell`}>Bid</th>
              <th className={`${th} hidden text-right md:table-cell`}>Ask</th>
              <th className={`${th} hidden text-right sm:table-cell`}>24h volume</th>
            </tr>
          </thead>
          <tbody>
            {(markets.data ?? []).map((market) => (
              <MarketRow key={market.symbol} market={market} />
            ))}
          </tbody>
        </table>
        {markets.isPending && <Empty>Loading markets…</Empty>}
        {markets.data?.length === 0 && <Empty>No markets listed yet.</Empty>}
      </div>
    </Panel>
  );
}
