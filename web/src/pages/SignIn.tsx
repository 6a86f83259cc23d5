import { type FormEvent, useState } from 'react';
import { ApiError, errorText } from '../api';
import { authApi, useSession } from '../session';

export function SignIn() {
  const { signedIn } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      signedIn(await authApi.login({ email, password, ...(needsTotp ? { totp } : {}) }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && err.details.some((d) => d.path === 'totp')) {
        setNeedsTotp(true);
        setError(needsTotp ? err.message : '');
      } else if (err instanceof ApiError && err.status === 429) {
        setError('Too many attempts. Wait a minute and try again.');
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="narrow">
      <h1>Sign in to Cloture</h1>
      <form onSubmit={submit} noValidate>
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {needsTotp && (
          <>
            <label htmlFor="totp">Code from your authenticator app</label>
            <input id="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]*" value={totp} onChange={(e) => setTotp(e.target.value)} autoFocus />
          </>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
