/**
 * The app's one connection to `/v1/stream` (the client's ExchangeStream), shared through React
 * context; useChannel hears one channel while a component is mounted.
 */
import { createContext, useContext, useEffect, useRef } from 'react';
import type { ChannelEvent, ChannelKindOf, ExchangeStream, StreamChannel } from '@exchange/client';

export const StreamContext = createContext<ExchangeStream | null>(null);

export function useStream(): ExchangeStream | null {
  return useContext(StreamContext);
}

/** Subscribes to a channel while the component is mounted; the handler may change between renders. */
export function useChannel<C extends StreamChannel>(channel: C | null, handler: (event: ChannelEvent<ChannelKindOf<C>>) => void): void {
  const stream = useStream();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!stream || !channel) return;
    return stream.subscribe(channel, (event) => latest.current(event));
  }, [stream, channel]);
}
