import type { ComponentPropsWithRef, ReactNode } from 'react';
import { Link, useInRouterContext } from 'react-router';
import { ApiError } from '../lib/api';
import { traceUrl } from '../lib/config';

export function Panel({
  title,
  actions,
  children,
  className = '',
  testId,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`rounded-lg border border-slate-800 bg-slate-900/70 ${className}`} data-testid={testId}>
      {title !== undefined && (
        <header className="flex items-center justify-between gap-2 border-b border-slate-800 px-3 py-2">
          <h2 className="text-sm font-semibold tracking-wide text-slate-300">{title}</h2>
          {actions}
        </header>
      )}
      <div className="p-3">{children}</div>
    </section>
  );
}

type Variant = 'primary' | 'secondary' | 'danger' | 'buy' | 'sell' | 'ghost';
const VARIANTS: Record<Variant, string> = {
  // white text on these stays above 4.5:1 at rest and on hover
  primary: 'bg-sky-700 hover:bg-sky-800 text-white',
  secondary: 'bg-slate-700 hover:bg-slate-600 text-slate-100',
  danger: 'bg-red-700 hover:bg-red-800 text-white',
  buy: 'bg-green-700 hover:bg-green-800 text-white',
  sell: 'bg-red-700 hover:bg-red-800 text-white',
  ghost: 'bg-transparent hover:bg-slate-800 text-slate-300',
};

export function Button({ variant = 'primary', className = '', ...props }: ComponentPropsWithRef<'button'> & { variant?: Variant }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-1 rounded-md px-3 py-1.5 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-50 ${VARIANTS[variant]} ${className}`}
    />
  );
}

export const inputClass =
  'w-full rounded-md border border-slate-700 bg-slate-950 px-2.5 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:border-sky-500 aria-[invalid=true]:border-red-500';

export function Field({
  label,
  htmlFor,
  error,
  hint,
  children,
}: {
  label: string;
  htmlFor: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={htmlFor} className="block text-xs font-medium text-slate-400">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${htmlFor}-error`} className="text-xs text-red-400" role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-slate-400">{hint}</p>
      ) : null}
    </div>
  );
}

/** the asset an INSUFFICIENT_FUNDS refusal is about (the wallet names it in the details) */
const shortAsset = (e: ApiError) => (typeof e.details?.asset === 'string' ? e.details.asset : 'USD');
const amounts = (e: ApiError) =>
  typeof e.details?.available === 'string' && typeof e.details?.requested === 'string'
    ? ` (${e.details.requested} needed, ${e.details.available} available)`
    : '';

const CODE_TEXT: Record<string, (error: ApiError) => string> = {
  INSUFFICIENT_FUNDS: (e) =>
    shortAsset(e) === 'USD'
      ? `Not enough USD available: add funds or lower the quantity${amounts(e)}. A buy holds price × quantity plus the largest fee.`
      : `Not enough ${shortAsset(e)} available to sell: lower the quantity${amounts(e)}. Shares in open sell orders are held.`,
  RISK_REJECTED: (e) => `Refused by the risk checks${e.details?.rule ? ` (rule ${String(e.details.rule)})` : ''}: ${e.message}`,
  MARKET_HALTED: () => 'This market is halted: no new orders until trading resumes. Cancels still work.',
  VALIDATION_FAILED: (e) => (Object.keys(e.fields).length ? 'Please correct the fields below.' : e.message),
  DUPLICATE_CLIENT_ORDER_ID: () => 'An open order already uses this client order id.',
  UNKNOWN_SYMBOL: () => 'There is no such market: pick one from the markets list.',
  RATE_LIMITED: (e) => `Too many requests; try again${e.retryAfter ? ` in ${e.retryAfter} s` : ' shortly'}.`,
  INVALID_CREDENTIALS: () => 'Wrong e-mail or password. Check both, or sign up if you have no account yet.',
  EMAIL_TAKEN: () => 'An account with this e-mail already exists: log in instead.',
  UNAUTHENTICATED: () => 'Your session has ended; please log in again.',
  FORBIDDEN: () => 'Your account may not do this.',
  ORDER_NOT_OPEN: () => 'This order is no longer open: it was filled, canceled or expired meanwhile.',
  ORDER_NOT_FOUND: () => 'Order not found.',
  NOTIFICATION_NOT_FOUND: () => 'This notification no longer exists; the list is refreshed.',
  TRACE_NOT_FOUND: () => 'No such trace (yet): spans arrive within a second or two, try again shortly.',
  NOT_FOUND: () => 'Not found.',
  REQUEST_IN_PROGRESS: () => 'The same request is still being processed; try again in a moment.',
  IDEMPOTENCY_KEY_REUSED: () => 'This request was already sent with a different body.',
  NETWORK_ERROR: (e) => e.message,
  INTERNAL_ERROR: () => 'Something went wrong at the exchange; try again. If it keeps happening, the trace below shows where.',
  UPSTREAM_ERROR: () => 'A service of the exchange answered unexpectedly; try again shortly.',
  SERVICE_UNAVAILABLE: () => 'A service of the exchange is unavailable; try again shortly.',
  UPSTREAM_TIMEOUT: () => 'The exchange took too long to answer; try again.',
  PAYLOAD_TOO_LARGE: () => 'This request is too large; send less at once.',
  API_KEY_LIMIT_REACHED: () => 'You have as many API keys as one account may hold: revoke one you no longer use first.',
  API_KEY_NOT_FOUND: () => 'This API key does not exist (any more); the list is refreshed.',
};

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return (CODE_TEXT[error.code] ?? ((e: ApiError) => e.message))(error);
  return error instanceof Error ? error.message : String(error);
}

export function TraceLink({ traceId }: { traceId: string }) {
  return (
    <a className="font-mono text-xs text-sky-400 underline" href={traceUrl(traceId)} target="_blank" rel="noreferrer" data-testid="trace-link">
      trace {traceId.slice(0, 12)}…
    </a>
  );
}

/** A failed request: a clear message, the code, the fields, and the trace in Jaeger. */
export function ErrorNotice({ error, testId = 'error' }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const fields = apiError ? Object.entries(apiError.fields) : [];
  return (
    <div
      role="alert"
      data-testid={testId}
      data-code={apiError?.code}
      className="space-y-1 rounded-md border border-red-800 bg-red-950/60 px-3 py-2 text-sm text-red-200"
    >
      <p>{errorText(error)}</p>
      {fields.length > 0 && (
        <ul className="list-inside list-disc text-xs">
          {fields.map(([field, messages]) => (
            <li key={field}>
              <span className="font-mono">{field}</span>: {messages.join('; ')}
            </li>
          ))}
        </ul>
      )}
      {apiError?.code === 'INSUFFICIENT_FUNDS' && shortAsset(apiError) === 'USD' && <AddFundsLink />}
      {apiError && (
        <p className="flex flex-wrap items-center gap-2 text-xs text-red-200">
          <span className="font-mono">{apiError.code}</span>
          {apiError.traceId && <TraceLink traceId={apiError.traceId} />}
        </p>
      )}
    </div>
  );
}

/** where a call to add funds leads: the wallet, with its amount field focused */
export const ADD_FUNDS_PATH = '/wallet#add-funds';

/** A link to the add-funds form (a plain link outside a router, as in component tests). */
export function AddFundsLink({ className = 'font-medium text-sky-300 underline', testId }: { className?: string; testId?: string }) {
  const inRouter = useInRouterContext();
  return inRouter ? (
    <Link to={ADD_FUNDS_PATH} className={className} data-testid={testId}>
      Add funds
    </Link>
  ) : (
    <a href={ADD_FUNDS_PATH} className={className} data-testid={testId}>
      Add funds
    </a>
  );
}

export function Empty({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="py-4 text-center text-sm text-slate-400" data-testid={testId}>
      {children}
    </div>
  );
}

export const th = 'px-2 py-1.5 text-xs font-medium text-slate-400';
export const td = 'px-2 py-1 text-sm';

export function SideBadge({ side }: { side: string }) {
  return <span className={side === 'BUY' ? 'text-up font-medium' : 'text-down font-medium'}>{side}</span>;
}

export function time(iso: string, locale?: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'medium' });
}
