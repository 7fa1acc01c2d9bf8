import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { Button, ErrorNotice, Field, inputClass } from '../components/ui';
import { ApiError, exchange } from '../lib/api';
import { setToken, useToken } from '../lib/auth-store';
import { keys } from '../lib/queries';

function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => exchange.logIn({ body }),
    onSuccess: (response) => {
      queryClient.setQueryData(keys.me, response.user);
      setToken(response.accessToken);
    },
  });
}

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-800 bg-slate-900 p-6 shadow-xl">
        <p className="mb-1 text-sm font-bold text-sky-400">◆ Exchange</p>
        <h1 className="mb-4 text-xl font-semibold">{title}</h1>
        {children}
      </div>
    </main>
  );
}

const fieldError = (error: unknown, field: string) => (error instanceof ApiError ? error.fields[field]?.join('; ') : undefined);

export function LoginPage() {
  const token = useToken();
  const location = useLocation();
  const login = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (token) return <Navigate to={from} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate({ email, password });
  };
  return (
    <AuthCard title="Log in">
      <form onSubmit={submit} className="space-y-3" noValidate>
        <Field label="E-mail" htmlFor="login-email" error={fieldError(login.error, 'email')}>
          <input
            id="login-email"
            data-testid="login-email"
            type="email"
            autoComplete="email"
            required
            className={inputClass}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" htmlFor="login-password" error={fieldError(login.error, 'password')}>
          <input
            id="login-password"
            data-testid="login-password"
            type="password"
            autoComplete="current-password"
            required
            className={inputClass}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        {login.error && <ErrorNotice error={login.error} testId="login-error" />}
        <Button type="submit" className="w-full" disabled={login.isPending} data-testid="login-submit">
          {login.isPending ? 'Logging in…' : 'Log in'}
        </Button>
      </form>
      <p className="mt-4 text-sm text-slate-400">
        No account yet?{' '}
        <Link to="/register" className="text-sky-400 underline" data-testid="register-link">
          Sign up
        </Link>
      </p>
    </AuthCard>
  );
}

export function RegisterPage() {
  const token = useToken();
  const login = useLogin();
  const register = useMutation({
    mutationFn: (body: { email: string; password: string; name?: string }) => exchange.register({ body }),
    // signed in at once; the token's arrival redirects to the wallet (to add funds first)
    onSuccess: (_response, body) => login.mutateAsync({ email: body.email, password: body.password }),
  });
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  if (token) return <Navigate to="/wallet" replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate({ email, password, ...(name.trim() ? { name: name.trim() } : {}) });
  };
  const error = register.error ?? login.error;
  return (
    <AuthCard title="Create an account">
      <form onSubmit={submit} className="space-y-3" noValidate>
        <Field label="Name (optional)" htmlFor="register-name" error={fieldError(error, 'name')}>
          <input
            id="register-name"
            data-testid="register-name"
            autoComplete="name"
            className={inputClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="E-mail" htmlFor="register-email" error={fieldError(error, 'email')}>
          <input
            id="register-email"
            data-testid="register-email"
            type="email"
            autoComplete="email"
            className={inputClass}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password (at least 8 characters)" htmlFor="register-password" error={fieldError(error, 'password')}>
          <input
            id="register-password"
            data-testid="register-password"
            type="password"
            autoComplete="new-password"
            className={inputClass}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        {error && <ErrorNotice error={error} testId="register-error" />}
        <Button type="submit" className="w-full" disabled={register.isPending} data-testid="register-submit">
          {register.isPending ? 'Creating…' : 'Sign up'}
        </Button>
      </form>
      <p className="mt-4 text-sm text-slate-400">
        Already registered?{' '}
        <Link to="/login" className="text-sky-400 underline" data-testid="login-link">
          Log in
        </Link>
      </p>
    </AuthCard>
  );
}
