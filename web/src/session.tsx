import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, setCsrfToken, unwrap, whenSessionLost } from './api';

export type Role = 'admin' | 'organizer' | 'viewer';
export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  totpEnabled: boolean;
}
interface SessionBody {
  user: User;
  csrfToken: string;
}

/**
 * The auth routes (accounts, issue 14) through the same client. They are typed loosely here until the committed
 * OpenAPI document lists them; the bodies are the documented ones.
 */
type Loose = {
  GET(path: string, init?: object): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  POST(path: string, init?: object): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const auth = api as unknown as Loose;

export const authApi = {
  session: () => unwrap(auth.GET('/api/v1/auth/session')) as Promise<SessionBody>,
  login: (body: { email: string; password: string; totp?: string }) => unwrap(auth.POST('/api/v1/auth/login', { body })) as Promise<SessionBody>,
  logout: () => unwrap(auth.POST('/api/v1/auth/logout', { body: {} })),
  acceptInvite: (body: { token: string; password: string; name?: string }) =>
    unwrap(auth.POST('/api/v1/auth/accept-invite', { body })) as Promise<SessionBody>,
};

interface SessionState {
  user: User | null;
  loading: boolean;
  signedIn(body: SessionBody): void;
  signOut(): Promise<void>;
}
const SessionContext = createContext<SessionState>({ user: null, loading: true, signedIn: () => {}, signOut: async () => {} });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);
  const signedIn = useCallback((body: SessionBody) => {
    setCsrfToken(body.csrfToken);
    setUser(body.user);
  }, []);
  useEffect(() => {
    whenSessionLost(() => {
      setCsrfToken(null);
      setUser(null);
    });
    authApi
      .session()
      .then(signedIn, () => setUser(null))
      .finally(() => setLoading(false));
  }, [signedIn]);
  const signOut = useCallback(async () => {
    await authApi.logout().catch(() => {});
    setCsrfToken(null);
    setUser(null);
  }, []);
  return <SessionContext.Provider value={{ user, loading, signedIn, signOut }}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);
/** Organizers and admins send; viewers only look. */
export const canSend = (user: User | null) => user?.role === 'admin' || user?.role === 'organizer';
