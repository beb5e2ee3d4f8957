import { useEffect } from 'react';
import { useBranding, toShell } from '../api/branding';
import { defaultBranding, useUI } from '@/stores/ui';
import { useAuth } from '@/stores/auth';

/** Mirrors the tenant's branding (the server's) into the UI store the shell reads, and the app name into the
 *  document title. Mounted once by the layout (so only while logged in). */
export function BrandingSync() {
  const token = useAuth((s) => s.token);
  const b = useBranding(!!token);
  const setBranding = useUI((s) => s.setBranding);
  const appName = useUI((s) => s.branding.appName);
  useEffect(() => {
    if (b.data) setBranding(toShell(b.data));
  }, [b.data, setBranding]);
  useEffect(() => {
    document.title = appName;
  }, [appName]);
  // Leaving the app (logging out, or a login that ended) forgets the tenant's branding, so the next user of this
  // browser, maybe of another tenant, does not see it.
  useEffect(() => () => setBranding(defaultBranding), [setBranding]);
  return null;
}
