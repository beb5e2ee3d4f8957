import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type User = components['schemas']['User'];
export type Role = components['schemas']['Role'];
export const roles: Role[] = ['owner', 'admin', 'member'];

/** A change whose effect on the user's API keys is previewed first. */
export type UserChange = { role: Role } | { action: 'disable' | 'delete' };

export const userKeys = {
  all: ['users'] as const,
  list: () => [...userKeys.all, 'list'] as const,
  impact: (id: string, change: UserChange) => [...userKeys.all, 'impact', id, change] as const,
};

export const useUsers = () =>
  useQuery({ queryKey: userKeys.list(), queryFn: async () => (await unwrap(api.GET('/api/users'))).data ?? [] });

/** Which of the user's API keys the change would narrow or stop (GET /api/users/{id}/key-impact). */
export const useKeyImpact = (id: string | null, change: UserChange | null) =>
  useQuery({
    queryKey: userKeys.impact(id ?? '', change ?? { action: 'disable' }),
    enabled: !!id && !!change,
    staleTime: 0,
    queryFn: async () => (await unwrap(api.GET('/api/users/{id}/key-impact', {
      params: { path: { id: id ?? '' }, query: change && 'role' in change ? { role: change.role } : { action: change && 'action' in change ? change.action : 'disable' } },
    }))).keys ?? [],
  });

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; name: string; role: Role; password: string }) =>
      unwrap(api.POST('/api/users', { body: { email: body.email, role: body.role, password: body.password, ...(body.name ? { name: body.name } : {}) } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: userKeys.list() }),
    meta: { silent: true },
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: { role?: Role; disabled?: boolean } }) =>
      unwrap(api.PATCH('/api/users/{id}', { params: { path: { id } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useDeleteUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/users/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export const useLogoutEverywhere = () =>
  useMutation({ mutationFn: (id: string) => unwrap(api.POST('/api/users/{id}/logout-all', { params: { path: { id } } })) });
