import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { useAuth } from '@/stores/auth';

export type LoginInput = { email: string; password: string };

export function login(input: LoginInput) {
  return unwrap(api.POST('/api/auth/login', { body: input }));
}

/** Logs in and keeps the token (sessionStorage). Errors are shown on the form, not as a toast. */
export function useLogin() {
  const setSession = useAuth((s) => s.setSession);
  return useMutation({ mutationFn: login, onSuccess: setSession, meta: { silent: true } });
}
