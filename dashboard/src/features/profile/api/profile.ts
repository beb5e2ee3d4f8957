import { useEffect, useState } from 'react';
import { queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';
import { useAuth } from '@/stores/auth';

export type User = components['schemas']['User'];
export type ActivityEntry = components['schemas']['ActivityEntry'];

export const profileKeys = {
  all: ['profile'] as const,
  me: () => [...profileKeys.all, 'me'] as const,
  avatar: (userId: string, version: string) => [...profileKeys.all, 'avatar', userId, version] as const,
  activity: (userId: string) => [...profileKeys.all, 'activity', userId] as const,
};

export const meQuery = () =>
  queryOptions({ queryKey: profileKeys.me(), queryFn: () => unwrap(api.GET('/api/me')) });

/** The caller (GET /api/me); the user it returns also refreshes the one kept with the login. */
export function useMe() {
  const q = useQuery(meQuery());
  const user = q.data?.user;
  useEffect(() => {
    if (user) useAuth.setState({ user });
  }, [user]);
  return q;
}

/** After a change: the user into the login's copy (the topbar reads it) and the me query. */
function useApplyUser() {
  const qc = useQueryClient();
  return (u: User) => {
    useAuth.setState({ user: u });
    qc.setQueryData(profileKeys.me(), (me: Awaited<ReturnType<typeof unwrap<components['schemas']['Me']>>> | undefined) =>
      me ? { ...me, user: u } : me);
    void qc.invalidateQueries({ queryKey: profileKeys.activity(u.id ?? '') });
  };
}

export type ProfileInput = { name: string; phone: string; gravatar: boolean };

export function useUpdateProfile(userId: string) {
  const apply = useApplyUser();
  return useMutation({
    mutationFn: (body: Partial<ProfileInput>) =>
      unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: userId } }, body })),
    onSuccess: (u) => apply(u),
    meta: { silent: true },
  });
}

export function useUploadAvatar(userId: string) {
  const apply = useApplyUser();
  return useMutation({
    mutationFn: (file: Blob) =>
      unwrap(api.PUT('/api/users/{id}/avatar', {
        params: { path: { id: userId } },
        body: file as unknown as string,
        bodySerializer: (b: unknown) => b as Blob,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      })),
    onSuccess: (u) => apply(u),
    meta: { silent: true },
  });
}

export function useDeleteAvatar(userId: string) {
  const apply = useApplyUser();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/users/{id}/avatar', { params: { path: { id: userId } } })),
    onSuccess: (u) => apply(u),
  });
}

export type EmailInput = { email: string; currentPassword: string };

/** Changes the caller's sign-in email (the current password confirms it). */
export function useChangeEmail() {
  const apply = useApplyUser();
  return useMutation({
    mutationFn: (body: EmailInput) => unwrap(api.POST('/api/auth/email', { body })),
    onSuccess: (u) => apply(u),
    meta: { silent: true },
  });
}

export type PasswordInput = { currentPassword: string; newPassword: string };

/** Changes the caller's password; every other login of the user ends, this one carries on with the fresh token. */
export function useChangePassword() {
  const apply = useApplyUser();
  return useMutation({
    mutationFn: (body: PasswordInput) => unwrap(api.POST('/api/auth/password', { body })),
    onSuccess: (res) => {
      const { session, ...user } = res;
      if (session?.token) useAuth.setState({ token: session.token, expiresAt: session.expiresAt ?? null });
      apply(user);
    },
    meta: { silent: true },
  });
}

/** The user's own activity, newest first, 20 a page. */
export function useMyActivity(userId: string) {
  return useInfiniteQuery({
    queryKey: profileKeys.activity(userId),
    enabled: !!userId,
    initialPageParam: '',
    queryFn: ({ pageParam }) => unwrap(api.GET('/api/users/{id}/activity', {
      params: { path: { id: userId }, query: { limit: 20, ...(pageParam ? { before: pageParam } : {}) } },
    })),
    getNextPageParam: (last) => last.nextBefore || undefined,
  });
}

/** The uploaded avatar of a user as an object URL (the API needs the token, so an <img src> cannot load it
 *  directly); null while loading or without one. `version` is the user's avatarUpdatedAt: a new upload loads anew. */
export function useAvatarImage(userId: string | undefined, version: string | undefined) {
  const q = useQuery({
    queryKey: profileKeys.avatar(userId ?? '', version ?? ''),
    enabled: !!userId && !!version,
    staleTime: Infinity,
    retry: false,
    queryFn: async () => {
      const { data, response } = await api.GET('/api/users/{id}/avatar', {
        params: { path: { id: userId ?? '' } }, parseAs: 'blob',
      });
      if (!response.ok || !data) return null;
      return data as Blob;
    },
    meta: { silent: true },
  });
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!q.data) {
      setUrl(null);
      return;
    }
    const u = URL.createObjectURL(q.data);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [q.data]);
  return url;
}
