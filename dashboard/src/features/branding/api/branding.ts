import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';
import { useAuth } from '@/stores/auth';
import { toApiError } from '@/lib/api/errors';
import type { ShellBranding } from '@/stores/ui';

export type Branding = components['schemas']['Branding'];
export type BrandingSettings = { appName: string; logoText: string; showLogoText: boolean };

export const brandingKeys = { all: ['branding'] as const };

/** The limits the API applies (branding.MaxAppName, MaxLogoText, MaxLogoSize). */
export const limits = { appName: 60, logoText: 40, logoBytes: 256 * 1024, logoTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] };

export const useBranding = (enabled = true) =>
  useQuery({ queryKey: brandingKeys.all, enabled, queryFn: () => unwrap(api.GET('/api/tenant/branding')) });

/** What the shell shows of a branding. */
export function toShell(b: Branding): ShellBranding {
  return { appName: b.appName, logoText: b.logoText, showLogoText: b.showLogoText, logoUrl: b.logo?.url ?? null };
}

export function useUpdateBranding() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: BrandingSettings) => unwrap(api.PUT('/api/tenant/branding', { body })),
    onSuccess: (b) => qc.setQueryData(brandingKeys.all, b),
    meta: { silent: true },
  });
}

/** Uploads the logo as a multipart form (part "file"). */
export function useUploadLogo() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (file: File): Promise<Branding> => {
      const form = new FormData();
      form.append('file', file, file.name);
      const token = useAuth.getState().token;
      const res = await globalThis.fetch(new Request(new URL('/api/tenant/branding/logo', globalThis.location.origin),
        { method: 'PUT', body: form, headers: token ? { Authorization: `Bearer ${token}` } : {} }));
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) throw toApiError(res.status, body);
      return body as Branding;
    },
    onSuccess: (b) => qc.setQueryData(brandingKeys.all, b),
    meta: { silent: true },
  });
}

export function useDeleteLogo() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/tenant/branding/logo')),
    onSuccess: (b) => qc.setQueryData(brandingKeys.all, b),
  });
}
