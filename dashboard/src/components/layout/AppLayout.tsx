import { Suspense } from 'react';
import { Outlet, useNavigate } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { ProgressSpinner } from 'primereact/progressspinner';
import { Topbar } from './Topbar';
import { Sidebar } from './Sidebar';
import { useUI } from '@/stores/ui';
import { useAuth } from '@/stores/auth';
import type { Page } from '@/app/pages';
import { LiveFeed } from '@/app/live';
import { BrandingSync } from '@/features/branding/components/BrandingSync';

export function AppLayout({ pages }: { pages: Page[] }) {
  const sidebarOpen = useUI((s) => s.sidebarOpen);
  const clear = useAuth((s) => s.clear);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const logout = () => {
    clear();
    qc.clear();
    navigate('/login', { replace: true });
  };
  return (
    <div className={'wq-layout' + (sidebarOpen ? ' sidebar-open' : '')}>
      <LiveFeed />
      <BrandingSync />
      <Topbar onLogout={logout} />
      <Sidebar pages={pages} />
      <main className="wq-main">
        <Suspense fallback={<ProgressSpinner />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
