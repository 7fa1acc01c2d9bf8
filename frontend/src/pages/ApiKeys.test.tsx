import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiKey } from '../lib/api-keys';
import { setToken } from '../lib/auth-store';
import { ApiKeysPage } from './ApiKeys';

const GATEWAY = 'http://gateway.test';

/** The gateway's three API key routes, in memory; `refuseCreate` answers the next creation with a refusal. */
function fakeGateway() {
  const state = {
    keys: [] as ApiKey[],
    requests: [] as Array<{ method: string; path: string; body: unknown; authorization: string | null }>,
    refuseCreate: null as null | { status: number; error: { code: string; message: string; details?: unknown } },
  };
  let n = 0;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchFake = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    state.requests.push({ method, path: url.pathname, body, authorization: new Headers(init?.headers).get('authorization') });
    if (method === 'GET' && url.pathname === '/v1/api-keys') return json(200, { items: state.keys });
    if (method === 'POST' && url.pathname === '/v1/api-keys') {
      if (state.refuseCreate) {
        const { status, error } = state.refuseCreate;
        state.refuseCreate = null;
        return json(status, { error });
      }
      n += 1;
      const apiKey: ApiKey = {
        id: `00000000-0000-4000-8000-00000000000${n}`,
        label: body.label,
        kind: body.publicKey ? 'ED25519' : 'HMAC',
        scopes: body.scopes,
        allowedIps: body.allowedIps ?? [],
        expiresAt: body.expiresAt ?? null,
        createdAt: new Date().toISOString(),
        revokedAt: null,
        lastUsedAt: null,
        lastUsedIp: null,
      };
      state.keys.unshift(apiKey);
      return json(201, body.publicKey ? { apiKey } : { apiKey, secret: `secret-${n}-0123456789abcdef` });
    }
    const revoke = /^\/v1\/api-keys\/([^/]+)$/.exec(url.pathname);
    if (method === 'DELETE' && revoke) {
      const apiKey = state.keys.find((k) => k.id === revoke[1]);
      if (!apiKey) return json(404, { error: { code: 'API_KEY_NOT_FOUND', message: 'no such key' } });
      apiKey.revokedAt = new Date().toISOString();
      return json(200, { apiKey });
    }
    return json(404, { error: { code: 'NOT_FOUND', message: `${method} ${url.pathname}` } });
  };
  return { state, fetchFake };
}

const key = (over: Partial<ApiKey>): ApiKey => ({
  id: '11111111-1111-4111-8111-111111111111',
  label: 'old bot',
  kind: 'HMAC',
  scopes: ['read'],
  allowedIps: [],
  expiresAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  revokedAt: null,
  lastUsedAt: null,
  lastUsedIp: null,
  ...over,
});

let gateway: ReturnType<typeof fakeGateway>;

beforeEach(() => {
  window.EXCHANGE_CONFIG = { gatewayUrl: GATEWAY, jaegerUrl: '' };
  gateway = fakeGateway();
  vi.stubGlobal('fetch', vi.fn(gateway.fetchFake));
  setToken('session-token');
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setToken(null);
});

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ApiKeysPage />
    </QueryClientProvider>,
  );
}

describe('the API keys page', () => {
  it('starts with a friendly empty state and explains how a request is signed', async () => {
    renderPage();
    expect((await screen.findByTestId('api-keys-empty')).textContent).toBe('No API keys yet: create one to let a program trade for you.');
    const help = screen.getByTestId('api-keys-help').textContent ?? '';
    for (const text of ['X-API-Key', 'X-API-Timestamp', 'X-API-Signature', 'HMAC-SHA256', 'base64', '5 seconds', 'apiKeySigner', '@exchange/client/signing'])
      expect(help).toContain(text);
  });

  it('creates an HMAC key with read and trade, shows its secret and id once with a warning, then lists it without the secret', async () => {
    renderPage();
    await screen.findByTestId('api-keys-empty');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'market maker' } });
    fireEvent.click(screen.getByLabelText(/^Trade/));
    fireEvent.change(screen.getByLabelText('Allowed IP addresses (optional)'), { target: { value: '203.0.113.7\n198.51.100.0/24' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));

    const created = await screen.findByTestId('api-key-new');
    const sent = gateway.state.requests.find((r) => r.method === 'POST');
    expect(sent).toEqual({
      method: 'POST',
      path: '/v1/api-keys',
      body: { label: 'market maker', scopes: ['read', 'trade'], allowedIps: ['203.0.113.7', '198.51.100.0/24'] },
      authorization: 'Bearer session-token',
    });
    expect(created.textContent).toContain('Copy the secret now: it will not be shown again');
    const id = '00000000-0000-4000-8000-000000000001';
    expect((within(created).getByLabelText('Key id (sent as X-API-Key)') as HTMLInputElement).value).toBe(id);
    expect((within(created).getByLabelText('Secret (HMAC-SHA256)') as HTMLInputElement).value).toBe('secret-1-0123456789abcdef');
    expect(within(created).getByRole('button', { name: 'Copy the secret' })).toBeTruthy();
    // the form is empty again for the next key
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('');

    // listed (after a fresh GET), active, never used
    const row = await screen.findByTestId(`api-key-row-${id}`);
    expect(within(row).getByTestId(`api-key-status-${id}`).textContent).toBe('Active');
    expect(within(row).getByTestId(`api-key-last-used-${id}`).textContent).toBe('never');
    expect(row.textContent).toContain('203.0.113.7, 198.51.100.0/24');
    expect(row.textContent).toContain('read, trade');
    expect(row.textContent).not.toContain('secret-1');

    fireEvent.click(screen.getByRole('button', { name: 'I have copied the secret' }));
    expect(screen.queryByTestId('api-key-new')).toBeNull();
    expect(document.body.textContent).not.toContain('secret-1-0123456789abcdef');
  });

  it('copies the secret to the clipboard, and selects it for Ctrl+C when the browser refuses', async () => {
    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderPage();
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'bot' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    await screen.findByTestId('api-key-new');
    fireEvent.click(screen.getByRole('button', { name: 'Copy the secret' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('secret-1-0123456789abcdef'));
    expect(await screen.findByText('Copied to the clipboard.')).toBeTruthy();

    writeText.mockRejectedValueOnce(new Error('denied'));
    fireEvent.click(screen.getByRole('button', { name: 'Copy the key id' }));
    expect(await screen.findByText(/press Ctrl\+C/)).toBeTruthy();
  });

  it('registers an Ed25519 public key: no secret to show', async () => {
    renderPage();
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'ed bot' } });
    fireEvent.click(screen.getByLabelText(/Use my own Ed25519 public key/));
    fireEvent.change(screen.getByLabelText('Ed25519 public key (PEM)'), {
      target: { value: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    const created = await screen.findByTestId('api-key-new');
    expect(gateway.state.requests.find((r) => r.method === 'POST')?.body).toMatchObject({ publicKey: expect.stringContaining('BEGIN PUBLIC KEY') });
    expect(within(created).queryByLabelText('Secret (HMAC-SHA256)')).toBeNull();
    expect(created.textContent).toContain('private half');
  });

  it('shows each error beside its field: its own checks before sending, the exchange’s after', async () => {
    renderPage();
    await screen.findByTestId('api-keys-empty');
    fireEvent.click(screen.getByLabelText(/^Read/));
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    const label = screen.getByLabelText('Name');
    expect(label.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(label.getAttribute('aria-describedby') ?? '')?.textContent).toContain('Give the key a name');
    expect(screen.getByText('Choose at least one permission.')).toBeTruthy();
    expect(gateway.state.requests.some((r) => r.method === 'POST')).toBe(false);

    // the exchange refuses one allow-list entry: named beside the allow-list
    fireEvent.change(label, { target: { value: 'bot' } });
    fireEvent.click(screen.getByLabelText(/^Read/));
    fireEvent.change(screen.getByLabelText('Allowed IP addresses (optional)'), { target: { value: '203.0.113.7, 2001:db8:::1' } });
    gateway.state.refuseCreate = {
      status: 400,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'The request body is not valid',
        details: { fields: { 'allowedIps.1': ['must be an IP address or a CIDR range'] } },
      },
    };
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    const ips = screen.getByLabelText('Allowed IP addresses (optional)');
    await waitFor(() => expect(ips.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(ips.getAttribute('aria-describedby') ?? '')?.textContent).toBe('2001:db8:::1: must be an IP address or a CIDR range');
    expect(screen.getByTestId('api-key-create-error').textContent).toContain('see the fields above');

    // a refusal that is not about a field is told in words
    gateway.state.refuseCreate = { status: 409, error: { code: 'API_KEY_LIMIT_REACHED', message: 'limit' } };
    fireEvent.change(ips, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create API key' }));
    await waitFor(() => expect(screen.getByTestId('api-key-create-error').getAttribute('data-code')).toBe('API_KEY_LIMIT_REACHED'));
    expect(screen.getByTestId('api-key-create-error').textContent).toContain('revoke one you no longer use');
  });

  it('lists each key with its status in words and its last use; revokes one only once confirmed', async () => {
    gateway.state.keys = [
      key({ id: '22222222-2222-4222-8222-222222222222', label: 'live bot', lastUsedAt: '2026-06-01T10:00:00.000Z', lastUsedIp: '203.0.113.7' }),
      key({ id: '33333333-3333-4333-8333-333333333333', label: 'old bot', expiresAt: '2026-01-02T00:00:00.000Z' }),
      key({ id: '44444444-4444-4444-8444-444444444444', label: 'gone bot', revokedAt: '2026-02-01T00:00:00.000Z' }),
    ];
    renderPage();
    const live = '22222222-2222-4222-8222-222222222222';
    expect((await screen.findByTestId(`api-key-status-${live}`)).textContent).toBe('Active');
    expect(screen.getByTestId('api-key-status-33333333-3333-4333-8333-333333333333').textContent).toBe('Expired');
    expect(screen.getByTestId('api-key-status-44444444-4444-4444-8444-444444444444').textContent).toBe('Revoked');
    expect(screen.getByTestId(`api-key-last-used-${live}`).textContent).toContain('from 203.0.113.7');
    // a revoked key has nothing left to revoke
    expect(screen.queryByRole('button', { name: 'Revoke gone bot' })).toBeNull();

    // asking first; "keep it" sends nothing
    fireEvent.click(screen.getByRole('button', { name: 'Revoke live bot' }));
    expect(screen.getByRole('group', { name: 'Revoke “live bot”?' }).textContent).toContain('cannot be undone');
    fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(gateway.state.requests.some((r) => r.method === 'DELETE')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Revoke live bot' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, revoke' }));
    await waitFor(() => expect(screen.getByTestId(`api-key-status-${live}`).textContent).toBe('Revoked'));
    expect(gateway.state.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/v1/api-keys/${live}`]);
    expect(screen.queryByRole('button', { name: 'Revoke live bot' })).toBeNull();
  });
});
