import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { Schemas } from '../../client';
import { api, setCsrfToken, unwrap, whenSessionLost } from './api';

export type User = Schemas['SessionUserDto'];
export type Role = User['role'];
type SessionBody = Schemas['SessionDto'];

export const authApi = {
  session: () => unwrap(api.GET('/api/v1/auth/session')),
  login: (body: Schemas['LoginDto']) => unwrap(api.POST('/api/v1/auth/login', { body })),
  logout: () => unwrap(api.POST('/api/v1/auth/logout')),
  acceptInvite: (body: Schemas['AcceptInviteDto']) => unwrap(api.POST('/api/v1/auth/accept-invite', { body })),
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
