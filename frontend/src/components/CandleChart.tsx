import { CandlestickSeries, ColorType, createChart, type CandlestickData, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import type { Candle } from '@exchange/client';

const toBar = (candle: Candle): CandlestickData<UTCTimestamp> => ({
  time: Math.floor(Date.parse(candle.openTime) / 1000) as UTCTimestamp,
  // the chart draws in floating point; the amounts themselves stay strings everywhere else
  open: Number(candle.open),
  high: Number(candle.high),
  low: Number(candle.low),
  close: Number(candle.close),
});

/** TradingView lightweight-charts candles; a new bar or a changed last bar is applied with update(), anything else with setData(). */
export function CandleChart({ candles, priceDecimals = 2 }: { candles: Candle[]; priceDecimals?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const shown = useRef<Candle[]>([]);

  useEffect(() => {
    const element = container.current!;
    const created = createChart(element, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: '#94a3b8', attributionLogo: true },
      grid: { vertLines: { color: '#1e293b' }, horzLines: { color: '#1e293b' } },
      rightPriceScale: { borderColor: '#334155' },
      timeScale: { borderColor: '#334155', timeVisible: true, secondsVisible: false },
      localization: { locale: navigator.language },
    });
    series.current = created.addSeries(CandlestickSeries, {
      upColor: '#22c55e',
      downColor: '#ef4444',
      borderVisible: false,
      wickUpColor: '#22c55e',
      wickDownColor: '#ef4444',
      priceFormat: { type: 'price', precision: priceDecimals, minMove: 1 / 10 ** priceDecimals },
    });
    chart.current = created;
    shown.current = [];
    return () => {
      created.remove();
      chart.current = null;
      series.current = null;
    };
  }, [priceDecimals]);

  useEffect(() => {
    const target = series.current;
    if (!target) return;
    const before = shown.current;
    const sameStart = before.length > 0 && candles.length > 0 && before[0]!.openTime === candles[0]!.openTime;
    const grewByOne = sameStart && (candles.length === before.length || candles.length === before.length + 1);
    if (grewByOne && candles.length > 0) target.update(toBar(candles[candles.length - 1]!));
    else {
      target.setData(candles.map(toBar));
      chart.current?.timeScale().fitContent();
    }
    shown.current = candles;
  }, [candles]);

  return <div ref={container} className="h-full w-full" data-testid="candle-chart" />;
}
