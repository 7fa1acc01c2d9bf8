import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { setToken } from '../lib/auth-store';
import { formatUsd } from '@exchange/client';
import { keys, useBalance, useMe, useUnreadCount } from '../lib/queries';
import { useChannel } from '../lib/stream';
import { MarketPicker } from './MarketPicker';
import { useToast } from './toasts';

/** The private `user` channel: refetch what changed, toast every notification. */
function useUserChannel() {
  const queryClient = useQueryClient();
  const toast = useToast();
  useChannel('user', (frame) => {
    if (frame.type === 'subscribed') {
      // whatever changed before the private channel was listening (a page load, a reconnect) is fetched now
      for (const queryKey of [keys.orders, ['fills'], keys.wallet, keys.transactions, keys.notifications]) void queryClient.invalidateQueries({ queryKey });
      return;
    }
    if (frame.type !== 'update') return;
    const data = frame.data;
    if (data.type === 'order') {
      void queryClient.invalidateQueries({ queryKey: keys.orders });
      void queryClient.invalidateQueries({ queryKey: ['fills'] });
    } else if (data.type === 'balance') {
      void queryClient.invalidateQueries({ queryKey: keys.wallet });
      void queryClient.invalidateQueries({ queryKey: keys.transactions });
    } else if (data.type === 'notification') {
      void queryClient.invalidateQueries({ queryKey: keys.notifications });
      void queryClient.invalidateQueries({ queryKey: keys.orders });
      void queryClient.invalidateQueries({ queryKey: ['fills'] });
      const n = data.notification;
      toast({
        title: n.title,
        body: n.body,
        tone: n.type === 'ORDER_REJECTED' || n.type === 'ORDER_EXPIRED' ? 'error' : n.type === 'ORDER_FILLED' ? 'success' : 'info',
      });
    }
  });
}

const navClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-2.5 py-1.5 text-sm ${isActive ? 'bg-slate-800 text-white' : 'text-slate-300 hover:bg-slate-800/60 hover:text-white'}`;

export function Layout() {
  useUserChannel();
  const me = useMe();
  const usd = useBalance('USD');
  const unread = useUnreadCount();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  // the phone menu closes once a link was followed
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of page
  useEffect(() => setMenuOpen(false), [location.pathname]);

  const logout = () => {
    setToken(null);
    queryClient.clear();
    navigate('/login', { replace: true });
  };

  return (
    <div className="flex min-h-screen flex-col">
      {/* the first stop of Tab: past the navigation, straight to the page */}
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-sky-700 focus:px-3 focus:py-2 focus:text-sm focus:text-white"
        data-testid="skip-to-main"
      >
        Skip to the page
      </a>
      <header className="sticky top-0 z-40 border-b border-slate-800 bg-slate-950/95 backdrop-blur">
        <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-x-3 gap-y-2 px-3 py-2">
          <NavLink to="/" className="mr-2 text-base font-bold tracking-tight text-white">
            ◆ Exchange
          </NavLink>
          <MarketPicker />
          <button
            type="button"
            className="rounded-md px-2 py-1 text-slate-300 md:hidden"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <nav id="main-nav" aria-label="Main" className={`${menuOpen ? 'flex' : 'hidden'} w-full flex-wrap items-center gap-1 md:flex md:w-auto`}>
            <NavLink to="/markets" className={navClass} data-testid="nav-markets">
              Markets
            </NavLink>
            <NavLink to="/wallet" className={navClass} data-testid="nav-wallet">
              Wallet
            </NavLink>
            <NavLink to="/reports" className={navClass} data-testid="nav-reports">
              Reports
            </NavLink>
            <NavLink to="/api-keys" className={navClass} data-testid="nav-api-keys">
              API keys
            </NavLink>
            {me.data?.role === 'admin' && (
              <NavLink to="/traces" className={navClass} data-testid="nav-traces">
                Traces
              </NavLink>
            )}
          </nav>
          <div className="ml-auto flex items-center gap-2">
            <NavLink to="/wallet" className="hidden rounded-md bg-slate-900 px-2.5 py-1 text-right sm:block" title="Available USD" data-testid="header-balance">
              <span className="block text-[10px] uppercase tracking-wide text-slate-400">USD available</span>
              <span className="num block min-w-[7rem] text-sm">{usd ? formatUsd(usd.available) : '—'}</span>
            </NavLink>
            <NavLink
              to="/notifications"
              className="relative rounded-md p-2 text-slate-300 hover:bg-slate-800"
              aria-label={`Notifications, ${unread.data ?? 0} unread`}
              data-testid="notifications-bell"
            >
              <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
                <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
                <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
              </svg>
              <span
                data-testid="notifications-count"
                className={`num absolute -top-0.5 -right-0.5 min-w-[1.25rem] rounded-full px-1 text-center text-[10px] leading-5 font-bold ${unread.data ? 'bg-red-700 text-white' : 'bg-slate-700 text-slate-300'}`}
              >
                {unread.data ?? 0}
              </span>
            </NavLink>
            <span className="hidden max-w-[12rem] truncate text-xs text-slate-400 lg:inline" data-testid="user-email">
              {me.data?.email}
              {me.data?.role === 'admin' && <span className="ml-1 rounded bg-amber-700 px-1 text-[10px] text-white">admin</span>}
            </span>
            <button type="button" onClick={logout} className="rounded-md px-2.5 py-1.5 text-sm text-slate-300 hover:bg-slate-800" data-testid="logout">
              Log out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-[1600px] flex-1 p-3 focus:outline-none">
        <Outlet />
      </main>
    </div>
  );
}
