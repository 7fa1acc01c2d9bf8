import type { TraceSpan } from '@exchange/client';
import { BarChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, GridComponent, TooltipComponent, DataZoomComponent, CanvasRenderer]);

/** A span placed in its trace: its depth in the tree and its start and length in ms from the trace's start. */
export interface PlacedSpan {
  span: TraceSpan;
  depth: number;
  offsetMs: number;
  durationMs: number;
}

const PALETTE = ['#38bdf8', '#a78bfa', '#34d399', '#fbbf24', '#f472b6', '#60a5fa', '#fb923c', '#2dd4bf', '#c084fc', '#facc15'];

/** One colour per service, the same for it on every trace. */
export function serviceColor(service: string): string {
  let hash = 0;
  for (const char of service) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** The spans in tree order (each after its parent, siblings by start time), placed on the trace's time line. */
export function placeSpans(spans: readonly TraceSpan[]): PlacedSpan[] {
  if (spans.length === 0) return [];
  const start = spans.reduce((min, span) => (BigInt(span.startUnixNano) < min ? BigInt(span.startUnixNano) : min), BigInt(spans[0]!.startUnixNano));
  const children = new Map<string | null, TraceSpan[]>();
  for (const span of spans) children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  const placed: PlacedSpan[] = [];
  // nanoseconds stay exact as BigInt; only the offsets shown are turned into ms
  const toMs = (nanos: bigint) => Number(nanos / 1000n) / 1000;
  const visit = (span: TraceSpan, depth: number) => {
    placed.push({ span, depth, offsetMs: toMs(BigInt(span.startUnixNano) - start), durationMs: toMs(BigInt(span.durationNano)) });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  return placed;
}

/**
 * The trace as a waterfall (Apache ECharts: a horizontal bar per span, offset from the trace's
 * start, coloured by service, red where it failed); zoom with the slider or the mouse wheel.
 */
export function TraceWaterfall({ placed, onSelect }: { placed: PlacedSpan[]; onSelect?: (spanId: string) => void }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    const labels = placed.map(({ span, depth }) => `${'  '.repeat(Math.min(depth, 12))}${span.service}: ${span.name}`);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 40, containLabel: true },
      tooltip: {
        trigger: 'item',
        formatter: (item: { dataIndex: number }) => {
          const { span, offsetMs, durationMs } = placed[item.dataIndex]!;
          const text = (value: string) => value.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
          return `<b>${text(span.name)}</b><br/>${text(span.service)} · ${durationMs.toFixed(3)} ms<br/>starts at +${offsetMs.toFixed(3)} ms${span.status === 'error' ? '<br/><b>failed</b>' : ''}`;
        },
      },
      xAxis: { type: 'value', name: 'ms', axisLabel: { color: '#94a3b8' }, splitLine: { lineStyle: { color: '#1e293b' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: labels,
        axisLabel: { color: '#cbd5e1', fontFamily: 'ui-monospace, monospace', fontSize: 11, width: 320, overflow: 'truncate' },
      },
      dataZoom: [
        { type: 'slider', xAxisIndex: 0, height: 18, bottom: 8 },
        { type: 'inside', xAxisIndex: 0 },
      ],
      series: [
        // the invisible part: where each span starts
        { type: 'bar', stack: 'span', silent: true, itemStyle: { color: 'transparent' }, data: placed.map((p) => p.offsetMs) },
        {
          type: 'bar',
          stack: 'span',
          barMaxWidth: 14,
          data: placed.map((p) => ({
            value: Math.max(p.durationMs, 0.001),
            itemStyle: { color: p.span.status === 'error' ? '#ef4444' : serviceColor(p.span.service) },
          })),
        },
      ],
    });
    chart.on('click', (event) => {
      const index = (event as { dataIndex?: number }).dataIndex;
      if (index !== undefined && placed[index]) onSelect?.(placed[index]!.span.spanId);
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [placed, onSelect]);
  return (
    <div
      ref={element}
      role="img"
      aria-label={`Waterfall of ${placed.length} spans`}
      data-testid="trace-waterfall"
      style={{ height: `${Math.max(160, placed.length * 22 + 60)}px` }}
    />
  );
}
