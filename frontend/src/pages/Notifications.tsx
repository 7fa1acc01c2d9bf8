import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, ErrorNotice, Panel, time } from '../components/ui';
import { exchange } from '../lib/api';
import { keys } from '../lib/queries';

export function NotificationsPage() {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: [...keys.notifications, 'list'],
    queryFn: () => exchange.notifications({ query: { limit: 100 } }),
  });
  const markRead = useMutation({
    mutationFn: (id: string) => exchange.markNotificationRead({ params: { id } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.notifications }),
  });
  const unread = (list.data?.items ?? []).filter((n) => !n.read);
  const markAll = useMutation({
    mutationFn: async () => {
      for (const n of unread) await exchange.markNotificationRead({ params: { id: n.id } });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.notifications }),
  });
  return (
    <Panel
      title={`Notifications${list.data ? ` (${list.data.unreadCount} unread)` : ''}`}
      testId="notifications"
      actions={
        <Button variant="secondary" disabled={unread.length === 0 || markAll.isPending} onClick={() => markAll.mutate()} data-testid="notifications-read-all">
          Mark all as read
        </Button>
      }
    >
      {(list.error ?? markRead.error ?? markAll.error) && <ErrorNotice error={list.error ?? markRead.error ?? markAll.error} />}
      <ul className="divide-y divide-slate-800">
        {(list.data?.items ?? []).map((n) => (
          <li key={n.id} className="flex items-start gap-3 py-2" data-testid={`notification-${n.id}`} data-read={n.read}>
            <span aria-hidden="true" className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${n.read ? 'bg-transparent' : 'bg-sky-400'}`} />
            <div className="min-w-0 flex-1">
              {/* read ones are quieter by weight and colour, never by fading below a readable contrast */}
              <p className={`text-sm ${n.read ? 'font-normal text-slate-300' : 'font-semibold text-slate-100'}`}>
                {!n.read && <span className="sr-only">Unread: </span>}
                {n.title}
              </p>
              <p className="text-sm text-slate-300">{n.body}</p>
              <p className="text-xs text-slate-400">{time(n.createdAt)}</p>
            </div>
            {!n.read && (
              <Button variant="ghost" className="shrink-0 text-xs" onClick={() => markRead.mutate(n.id)} data-testid={`mark-read-${n.id}`}>
                Mark as read
              </Button>
            )}
          </li>
        ))}
      </ul>
      {list.data?.items.length === 0 && (
        <Empty testId="notifications-empty">No notifications yet: you are told here when an order of yours is filled, canceled or refused.</Empty>
      )}
      {list.isPending && <Empty>Loading…</Empty>}
    </Panel>
  );
}
