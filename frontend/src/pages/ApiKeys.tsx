import { API_KEY_RECEIVE_WINDOW_MS } from '@exchange/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Button, Empty, ErrorNotice, Field, inputClass, Panel, td, th, time } from '../components/ui';
import { ApiError, exchange } from '../lib/api';
import {
  type ApiKey,
  type ApiKeyDraft,
  type ApiKeyStatus,
  apiKeyStatus,
  buildCreateRequest,
  type CreateApiKeyBody,
  type DraftErrors,
  emptyDraft,
  MAX_ALLOWED_IPS,
  serverFieldErrors,
} from '../lib/api-keys';
import { keys, useApiKeys } from '../lib/queries';

type Created = Awaited<ReturnType<typeof exchange.createApiKey>>;

/** A value with a button that copies it; where the clipboard is refused, the value is selected for Ctrl+C. */
function CopyableValue({ label, copyName, value, testId }: { label: string; copyName: string; value: string; testId: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'manual' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      input.current?.select();
      setCopied('manual');
    }
  };
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-slate-400">
        {label}
      </label>
      <div className="flex gap-2">
        <input
          id={id}
          ref={input}
          readOnly
          value={value}
          data-testid={testId}
          className={`${inputClass} font-mono`}
          spellCheck={false}
          onFocus={(e) => e.target.select()}
        />
        <Button variant="secondary" onClick={copy} aria-label={copyName} data-testid={`${testId}-copy`}>
          Copy
        </Button>
      </div>
      <p aria-live="polite" className="min-h-4 text-xs text-slate-400">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'manual'
            ? 'The browser refused the clipboard: the value is selected, press Ctrl+C (⌘C) to copy it.'
            : ''}
      </p>
    </div>
  );
}

/** The key just made: its id, and an HMAC key's secret, shown this once (kept in this page's memory only). */
function NewKey({ created, onDone }: { created: Created; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // the user is taken to the secret at once (a screen reader hears the warning first)
  useEffect(() => heading.current?.focus(), []);
  return (
    <section
      aria-labelledby="new-api-key-heading"
      className="space-y-3 rounded-lg border border-amber-600 bg-amber-950/40 p-3"
      data-testid="api-key-new"
      data-key-id={created.apiKey.id}
    >
      <h2 id="new-api-key-heading" ref={heading} tabIndex={-1} className="text-sm font-semibold text-amber-200">
        API key “{created.apiKey.label}” created
      </h2>
      {created.secret ? (
        <p className="text-sm text-amber-100" data-testid="api-key-new-warning">
          <strong>Copy the secret now: it will not be shown again.</strong> The exchange keeps it encrypted and cannot show it to anyone, you included. If you
          lose it, revoke this key and create another.
        </p>
      ) : (
        <p className="text-sm text-amber-100">
          Your program signs its requests with the private half of the Ed25519 key you registered; the exchange holds only the public half.
        </p>
      )}
      <CopyableValue label="Key id (sent as X-API-Key)" copyName="Copy the key id" value={created.apiKey.id} testId="api-key-new-id" />
      {created.secret && <CopyableValue label="Secret (HMAC-SHA256)" copyName="Copy the secret" value={created.secret} testId="api-key-new-secret" />}
      <Button variant="secondary" onClick={onDone} data-testid="api-key-new-done">
        {created.secret ? 'I have copied the secret' : 'Done'}
      </Button>
    </section>
  );
}

function CreateApiKeyForm({ onCreated }: { onCreated: (created: Created) => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ApiKeyDraft>(emptyDraft);
  const [local, setLocal] = useState<DraftErrors>({});
  const [sent, setSent] = useState<CreateApiKeyBody | null>(null);
  const create = useMutation({
    mutationFn: (body: CreateApiKeyBody) => exchange.createApiKey({ body }),
    onSuccess: (created) => {
      setDraft(emptyDraft());
      setSent(null);
      void queryClient.invalidateQueries({ queryKey: keys.apiKeys });
      onCreated(created);
    },
  });
  const server = serverFieldErrors(create.error, sent?.allowedIps ?? []);
  const errors: DraftErrors = Object.keys(local).length > 0 ? local : server;
  const update = (change: Partial<ApiKeyDraft>) => setDraft((current) => ({ ...current, ...change }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const built = buildCreateRequest(draft);
    if (built.errors) {
      setLocal(built.errors);
      return;
    }
    setLocal({});
    setSent(built.body);
    create.mutate(built.body);
  };
  const describedBy = (field: keyof DraftErrors, hint?: string) => (errors[field] ? `${field === 'form' ? 'api-key' : `api-key-${field}`}-error` : hint);
  // a refusal without field errors (the key limit, say) is told in full; one with them points at the fields
  const refusal = create.error && Object.keys(local).length === 0 ? create.error : null;
  return (
    <form onSubmit={submit} noValidate className="grid gap-3 md:grid-cols-2" aria-label="Create an API key" data-testid="api-key-form">
      <Field label="Name" htmlFor="api-key-label" error={errors.label} hint="So you can tell your keys apart, e.g. “market maker bot”.">
        <input
          id="api-key-label"
          data-testid="api-key-label"
          className={inputClass}
          value={draft.label}
          maxLength={64}
          required
          aria-invalid={Boolean(errors.label)}
          aria-describedby={describedBy('label')}
          onChange={(e) => update({ label: e.target.value })}
        />
      </Field>
      <fieldset className="space-y-1" aria-describedby={describedBy('scopes', 'api-key-scopes-hint')}>
        <legend className="block text-xs font-medium text-slate-400">Permissions</legend>
        <div className="flex flex-wrap gap-4 py-1">
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              data-testid="api-key-scope-read"
              checked={draft.scopes.read}
              onChange={(e) => update({ scopes: { ...draft.scopes, read: e.target.checked } })}
            />
            Read (balances, orders, fills, market data)
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              data-testid="api-key-scope-trade"
              checked={draft.scopes.trade}
              onChange={(e) => update({ scopes: { ...draft.scopes, trade: e.target.checked } })}
            />
            Trade (place and cancel orders)
          </label>
        </div>
        {errors.scopes ? (
          <p id="api-key-scopes-error" role="alert" className="text-xs text-red-400">
            {errors.scopes}
          </p>
        ) : (
          <p id="api-key-scopes-hint" className="text-xs text-slate-400">
            A key can never move money out or manage other keys.
          </p>
        )}
      </fieldset>
      <Field
        label="Allowed IP addresses (optional)"
        htmlFor="api-key-allowedIps"
        error={errors.allowedIps}
        hint={`Addresses or CIDR ranges such as 203.0.113.7 or 203.0.113.0/24, separated by commas or new lines (at most ${MAX_ALLOWED_IPS}). Empty: any address.`}
      >
        <textarea
          id="api-key-allowedIps"
          data-testid="api-key-ips"
          rows={3}
          className={`${inputClass} font-mono`}
          value={draft.allowedIps}
          spellCheck={false}
          aria-invalid={Boolean(errors.allowedIps)}
          aria-describedby={describedBy('allowedIps')}
          onChange={(e) => update({ allowedIps: e.target.value })}
        />
      </Field>
      <Field
        label="Expires on (optional)"
        htmlFor="api-key-expiresAt"
        error={errors.expiresAt}
        hint="The key stops working at the end of that day. Empty: until you revoke it."
      >
        <input
          id="api-key-expiresAt"
          data-testid="api-key-expiry"
          type="date"
          className={inputClass}
          value={draft.expiresOn}
          aria-invalid={Boolean(errors.expiresAt)}
          aria-describedby={describedBy('expiresAt')}
          onChange={(e) => update({ expiresOn: e.target.value })}
        />
      </Field>
      <div className="space-y-2 md:col-span-2">
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            data-testid="api-key-own"
            checked={draft.ownKey}
            // aria-controls may only name an element that is there: the field exists while the box is checked
            aria-controls={draft.ownKey ? 'api-key-publicKey-field' : undefined}
            onChange={(e) => update({ ownKey: e.target.checked })}
          />
          Use my own Ed25519 public key (no secret is made: your program signs with your private key)
        </label>
        {draft.ownKey && (
          <div id="api-key-publicKey-field">
            <Field
              label="Ed25519 public key (PEM)"
              htmlFor="api-key-publicKey"
              error={errors.publicKey}
              hint="From -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----, e.g. made by: openssl genpkey -algorithm ed25519 -out bot.pem; openssl pkey -in bot.pem -pubout"
            >
              <textarea
                id="api-key-publicKey"
                data-testid="api-key-public-key"
                rows={4}
                className={`${inputClass} font-mono`}
                value={draft.publicKey}
                spellCheck={false}
                placeholder={'-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----'}
                aria-invalid={Boolean(errors.publicKey)}
                aria-describedby={describedBy('publicKey')}
                onChange={(e) => update({ publicKey: e.target.value })}
              />
            </Field>
          </div>
        )}
      </div>
      {errors.form && (
        <p id="api-key-error" role="alert" className="text-xs text-red-400 md:col-span-2">
          {errors.form}
        </p>
      )}
      {refusal &&
        (Object.keys(server).length > 0 ? (
          <p
            role="alert"
            className="text-sm text-red-300 md:col-span-2"
            data-testid="api-key-create-error"
            data-code={refusal instanceof ApiError ? refusal.code : undefined}
          >
            The exchange refused the key: see the fields above.
          </p>
        ) : (
          <div className="md:col-span-2">
            <ErrorNotice error={refusal} testId="api-key-create-error" />
          </div>
        ))}
      <div className="md:col-span-2">
        <Button type="submit" disabled={create.isPending} data-testid="api-key-create">
          {create.isPending ? 'Creating…' : 'Create API key'}
        </Button>
      </div>
    </form>
  );
}

const STATUS_STYLE: Record<ApiKeyStatus, string> = {
  active: 'border-green-700 text-green-300',
  expired: 'border-amber-700 text-amber-300',
  revoked: 'border-slate-600 text-slate-400',
};
const STATUS_TEXT: Record<ApiKeyStatus, string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

function StatusBadge({ status, keyId }: { status: ApiKeyStatus; keyId: string }) {
  // the word says it; the colour only repeats it
  return (
    <span className={`rounded border px-1.5 py-0.5 text-xs ${STATUS_STYLE[status]}`} data-testid={`api-key-status-${keyId}`} data-status={status}>
      {STATUS_TEXT[status]}
    </span>
  );
}

function ApiKeyRow({ apiKey, now }: { apiKey: ApiKey; now: number }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const revokeButton = useRef<HTMLButtonElement>(null);
  const revoke = useMutation({
    mutationFn: () => exchange.revokeApiKey({ params: { id: apiKey.id } }),
    onSuccess: () => setConfirming(false),
    onSettled: (_data, error) => {
      if (!error || (error instanceof ApiError && error.code === 'API_KEY_NOT_FOUND')) void queryClient.invalidateQueries({ queryKey: keys.apiKeys });
    },
  });
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  const status = apiKeyStatus(apiKey, now);
  const cancel = () => {
    setConfirming(false);
    revoke.reset();
    // back where the user was
    requestAnimationFrame(() => revokeButton.current?.focus());
  };
  return (
    <tr className="border-t border-slate-800 align-top" data-testid={`api-key-row-${apiKey.id}`} data-status={status}>
      <td className={td}>
        <span className="font-medium">{apiKey.label}</span>
        <span className="block font-mono text-xs text-slate-400" title="Key id, sent as X-API-Key">
          {apiKey.id}
        </span>
      </td>
      <td className={td}>
        <StatusBadge status={status} keyId={apiKey.id} />
        {status === 'revoked' && apiKey.revokedAt && <span className="block text-xs text-slate-400">{time(apiKey.revokedAt)}</span>}
      </td>
      <td className={`${td} text-xs`}>{apiKey.kind === 'HMAC' ? 'HMAC secret' : 'Ed25519'}</td>
      <td className={`${td} text-xs`}>{apiKey.scopes.join(', ')}</td>
      <td className={`${td} font-mono text-xs`}>
        {apiKey.allowedIps.length ? apiKey.allowedIps.join(', ') : <span className="font-sans text-slate-400">any</span>}
      </td>
      <td className={`${td} whitespace-nowrap text-xs`}>{apiKey.expiresAt ? time(apiKey.expiresAt) : <span className="text-slate-400">never</span>}</td>
      <td className={`${td} whitespace-nowrap text-xs text-slate-400`}>{time(apiKey.createdAt)}</td>
      <td className={`${td} text-xs`} data-testid={`api-key-last-used-${apiKey.id}`}>
        {apiKey.lastUsedAt ? (
          <>
            <span className="block whitespace-nowrap">{time(apiKey.lastUsedAt)}</span>
            {apiKey.lastUsedIp && <span className="block font-mono text-slate-400">from {apiKey.lastUsedIp}</span>}
          </>
        ) : (
          <span className="text-slate-400">never</span>
        )}
      </td>
      <td className={`${td} text-right`}>
        {status !== 'revoked' &&
          (confirming ? (
            <fieldset className="space-y-1 text-left" aria-describedby={`api-key-revoke-note-${apiKey.id}`}>
              <legend className="text-xs font-medium text-slate-200">Revoke “{apiKey.label}”?</legend>
              <p id={`api-key-revoke-note-${apiKey.id}`} className="text-xs text-slate-300">
                Programs using it are refused from their next request. This cannot be undone.
              </p>
              <div className="flex gap-2">
                <Button
                  ref={confirmButton}
                  variant="danger"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate()}
                  data-testid={`api-key-revoke-confirm-${apiKey.id}`}
                >
                  {revoke.isPending ? 'Revoking…' : 'Yes, revoke'}
                </Button>
                <Button variant="ghost" onClick={cancel} data-testid={`api-key-revoke-cancel-${apiKey.id}`}>
                  Keep it
                </Button>
              </div>
              {revoke.error && <ErrorNotice error={revoke.error} testId={`api-key-revoke-error-${apiKey.id}`} />}
            </fieldset>
          ) : (
            <Button
              ref={revokeButton}
              variant="secondary"
              onClick={() => setConfirming(true)}
              aria-label={`Revoke ${apiKey.label}`}
              data-testid={`api-key-revoke-${apiKey.id}`}
            >
              Revoke
            </Button>
          ))}
      </td>
    </tr>
  );
}

function ApiKeyList() {
  const list = useApiKeys();
  const items = list.data ?? [];
  const now = Date.now();
  return (
    <Panel
      title="Your API keys"
      testId="api-keys"
      actions={
        <Button variant="ghost" className="text-xs" onClick={() => list.refetch()} disabled={list.isFetching} data-testid="api-keys-refresh">
          {list.isFetching ? 'Refreshing…' : 'Refresh'}
        </Button>
      }
    >
      {list.error && <ErrorNotice error={list.error} />}
      {items.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[60rem]">
            <caption className="sr-only">Your API keys, newest first</caption>
            <thead>
              <tr>
                <th className={`${th} text-left`}>Name and key id</th>
                <th className={`${th} text-left`}>Status</th>
                <th className={`${th} text-left`}>Kind</th>
                <th className={`${th} text-left`}>Permissions</th>
                <th className={`${th} text-left`}>Allowed IPs</th>
                <th className={`${th} text-left`}>Expires</th>
                <th className={`${th} text-left`}>Created</th>
                <th className={`${th} text-left`}>Last used</th>
                <th className={`${th} text-right`}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((apiKey) => (
                <ApiKeyRow key={apiKey.id} apiKey={apiKey} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.isPending && <Empty>Loading…</Empty>}
      {list.data && items.length === 0 && (
        <div data-testid="api-keys-empty">
          <Empty>No API keys yet: create one to let a program trade for you.</Empty>
        </div>
      )}
    </Panel>
  );
}

function SigningHelp() {
  return (
    <Panel title="How a program signs its requests" testId="api-keys-help">
      <div className="space-y-2 text-sm text-slate-300">
        <p>Every request made with a key carries three headers:</p>
        <ul className="list-inside list-disc space-y-1">
          <li>
            <code className="font-mono text-sky-300">X-API-Key</code>: the key id
          </li>
          <li>
            <code className="font-mono text-sky-300">X-API-Timestamp</code>: the time of signing, in milliseconds since the Unix epoch
          </li>
          <li>
            <code className="font-mono text-sky-300">X-API-Signature</code>: for an HMAC key, HMAC-SHA256 with the secret, in lowercase hex; for an Ed25519 key,
            the signature with your private key, in base64
          </li>
        </ul>
        <p>What is signed is five lines joined by a new line (\n):</p>
        <pre className="overflow-x-auto rounded bg-slate-950 p-2 font-mono text-xs text-slate-200">
          {'timestamp\nMETHOD\n/path\nquery string (without ?, empty when none)\nsha256hex(body) (of the empty string when none)'}
        </pre>
        <p>
          The timestamp must be within {API_KEY_RECEIVE_WINDOW_MS / 1000} seconds of the exchange’s clock, and a signature is accepted once. The TypeScript SDK
          does all of this for you:
        </p>
        <pre className="overflow-x-auto rounded bg-slate-950 p-2 font-mono text-xs text-slate-200">
          {`import { createExchangeClient } from '@exchange/client';
import { apiKeySigner } from '@exchange/client/signing';

const exchange = createExchangeClient({
  baseUrl: 'https://…',
  signer: apiKeySigner({ keyId: '…', secret: process.env.EXCHANGE_SECRET! }),
});
const { user } = await exchange.me();`}
        </pre>
        <p className="text-xs text-slate-400">
          Keep the secret in your program’s configuration, never in its source code. A key can be limited to your server’s IP addresses.
        </p>
      </div>
    </Panel>
  );
}

export function ApiKeysPage() {
  const [created, setCreated] = useState<Created | null>(null);
  return (
    <div className="space-y-3">
      <h1 className="text-lg font-semibold">API keys</h1>
      <p className="max-w-3xl text-sm text-slate-400">
        An API key lets a program (a trading bot) read your account and trade for you without your password. Give each program its own key with only the
        permissions it needs; revoke it when you stop using it.
      </p>
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      <Panel title="Create an API key" testId="api-key-create-panel">
        <CreateApiKeyForm onCreated={setCreated} />
      </Panel>
      <ApiKeyList />
      <SigningHelp />
    </div>
  );
}
