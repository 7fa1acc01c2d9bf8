import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export interface Toast {
  id: number;
  title: string;
  body?: string;
  tone?: 'info' | 'success' | 'error';
}

const ToastContext = createContext<(toast: Omit<Toast, 'id'>) => void>(() => {});

export function useToast() {
  return useContext(ToastContext);
}

const TONES = { info: 'border-sky-700', success: 'border-green-700', error: 'border-red-700' };

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);
  const push = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-3), { ...toast, id }]);
      setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );
  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="pointer-events-none fixed right-3 bottom-3 z-50 flex w-80 max-w-[calc(100vw-1.5rem)] flex-col gap-2" aria-live="polite">
        {toasts.map((toast) => (
          <div
            key={toast.id}
            data-testid="toast"
            role="status"
            className={`pointer-events-auto rounded-md border-l-4 bg-slate-800 px-3 py-2 shadow-lg ${TONES[toast.tone ?? 'info']}`}
          >
            <div className="flex items-start justify-between gap-2">
              <p className="text-sm font-semibold">{toast.title}</p>
              <button type="button" aria-label="Dismiss" className="text-slate-400 hover:text-slate-100" onClick={() => dismiss(toast.id)}>
                ×
              </button>
            </div>
            {toast.body && <p className="text-xs text-slate-300">{toast.body}</p>}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
