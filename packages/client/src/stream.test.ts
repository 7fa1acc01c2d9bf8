import { freePort, eventually } from '@exchange/platform/testing';
import WebSocket, { WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { ExchangeStream } from './stream.js';

describe('ExchangeStream', () => {
  it('survives a connection that fails (the ws package emits an error) and connects once a server listens', async () => {
    const port = await freePort();
    let attempts = 0;
    const stream = new ExchangeStream({
      url: `ws://127.0.0.1:${port}/v1/stream`,
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url);
          attempts++;
        }
      },
    });
    const opened: boolean[] = [];
    stream.onStatus((open) => opened.push(open));
    stream.start();
    let server: WebSocketServer | undefined;
    try {
      // nothing listens: the connection is refused (an error nobody else hears), and the stream tries again
      await eventually(async () => attempts >= 2, 5_000, 'a second attempt after a refused connection');
      expect(stream.isOpen).toBe(false);
      server = new WebSocketServer({ host: '127.0.0.1', port });
      await eventually(async () => stream.isOpen, 10_000, 'the stream to connect once the server listens');
      expect(opened.at(-1)).toBe(true);
    } finally {
      stream.stop();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    }
  }, 20_000);
});
