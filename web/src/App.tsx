import { useEffect } from 'react';
import { BlastList } from './pages/BlastList';
import { BlastPage } from './pages/BlastPage';
import { SignIn } from './pages/SignIn';
import { Welcome } from './pages/Welcome';
import { Link, useRoute } from './router';
import { useSession } from './session';

export function App() {
  const route = useRoute();
  const { user, loading, signOut } = useSession();
  const blast = /^\/blasts\/([0-9a-f-]{36})$/.exec(route);

  useEffect(() => {
    document.title = blast ? 'Blast · Cloture' : route === '/' ? 'Blasts · Cloture' : 'Cloture console';
  }, [route, blast]);

  if (route === '/welcome') return <Welcome />;
  if (loading) return <p className="loading" role="status">Loading…</p>;
  if (!user) return <SignIn />;
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <nav aria-label="Main">
          <Link to="/" className="brand">Cloture</Link>
          <Link to="/">Blasts</Link>
        </nav>
        <div className="who">
          <span>{user.name || user.email} <span className="role">({user.role})</span></span>
          <button type="button" className="link" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main">
        {blast ? <BlastPage id={blast[1]} key={blast[1]} /> : route === '/' ? <BlastList /> : <NotFound />}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the blasts</Link>
      </p>
    </>
  );
}
