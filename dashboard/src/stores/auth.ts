import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { components } from '@/lib/api/schema';

type User = components['schemas']['User'];
type Tenant = components['schemas']['Tenant'];

interface AuthState {
  token: string | null;
  expiresAt: string | null;
  user: User | null;
  tenant: Tenant | null;
  setSession: (s: components['schemas']['Session']) => void;
  clear: () => void;
}

/** The dashboard token lives in sessionStorage: it ends with the tab, never in localStorage. */
export const useAuth = create<AuthState>()(
  persist(
    (set) => ({
      token: null,
      expiresAt: null,
      user: null,
      tenant: null,
      setSession: (s) => set({ token: s.token ?? null, expiresAt: s.expiresAt ?? null, user: s.user ?? null, tenant: s.tenant ?? null }),
      clear: () => set({ token: null, expiresAt: null, user: null, tenant: null }),
    }),
    { name: 'waqtor-auth', storage: createJSONStorage(() => sessionStorage) },
  ),
);
