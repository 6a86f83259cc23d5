import { type FormEvent, useState } from 'react';
import { errorText } from '../api';
import { navigate } from '../router';
import { authApi, useSession } from '../session';

/** The invitation (or first-user) link: /console/welcome#token=… — the token stays out of server logs. */
export function Welcome() {
  const { signedIn } = useSession();
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      signedIn(await authApi.acceptInvite({ token, password, ...(name ? { name } : {}) }));
      navigate('/', true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <main id="main" className="narrow">
      <h1>Welcome to Cloture</h1>
      {!token ? (
        <p className="error" role="alert">This link has no invitation token. Ask an admin for a new invitation.</p>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor="name">Your name</label>
          <input id="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor="new-password">Choose a password</label>
          <input id="new-password" type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} />
          <p className="hint">At least 12 characters.</p>
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit">Set password and sign in</button>
        </form>
      )}
    </main>
  );
}
