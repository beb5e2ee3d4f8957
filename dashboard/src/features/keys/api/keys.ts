import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type ApiKey = components['schemas']['ApiKey'];
export type Scope = components['schemas']['Scope'];

/** Every scope of the API, in the spec's order; the type check fails if the spec gains one that is missing here. */
export const allScopes = ['*', 'keys:read', 'keys:write', 'users:read', 'users:write', 'sessions:read', 'sessions:write',
  'messages:read', 'messages:send', 'campaigns:read', 'campaigns:write', 'webhooks:read', 'webhooks:write',
  'smartbot:read', 'smartbot:write', 'activity:read', 'notifications:read', 'notifications:write', 'settings:read', 'settings:write'] as const satisfies readonly Scope[];
type Missing = Exclude<Scope, (typeof allScopes)[number]>;
const complete: Missing extends never ? true : Missing = true;
void complete;

export const keyKeys = { all: ['keys'] as const };

export const useKeys = () =>
  useQuery({ queryKey: keyKeys.all, queryFn: async () => (await unwrap(api.GET('/api/keys'))).data ?? [] });

export function useCreateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes: Scope[] }) => unwrap(api.POST('/api/keys', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keyKeys.all }),
    meta: { silent: true },
  });
}

/** Renames a key or changes its scopes (PATCH /api/keys/{id}); the dialog shows the API's errors itself. */
export function useUpdateKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name: string; scopes: Scope[] }) =>
      unwrap(api.PATCH('/api/keys/{id}', { params: { path: { id } }, body })),
    onSuccess: (k) => {
      qc.setQueryData<ApiKey[]>(keyKeys.all, (list) => list?.map((x) => (x.id === k.id ? k : x)));
      return qc.invalidateQueries({ queryKey: keyKeys.all });
    },
    meta: { silent: true },
  });
}

export function useRevokeKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/keys/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keyKeys.all }),
  });
}
