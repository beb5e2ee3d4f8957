import { Suspense, useEffect, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ProgressSpinner } from 'primereact/progressspinner';
import { ScrollTop } from 'primereact/scrolltop';
import { Sidebar as Overlay } from 'primereact/sidebar';
import { Topbar } from './Topbar';
import { Sidebar } from './Sidebar';
import { useUI } from '@/stores/ui';
import { useAuth } from '@/stores/auth';
import type { Page } from '@/app/pages';
import { LiveFeed } from '@/app/live';
import { BrandingSync } from '@/features/branding/components/BrandingSync';
import { NARROW, useMediaQuery } from '@/lib/media';

export function AppLayout({ pages }: { pages: Page[] }) {
  const { t } = useTranslation();
  const { sidebarOpen, toggleSidebar } = useUI();
  const clear = useAuth((s) => s.clear);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  // Narrow screens (phones, small tablets): the menu is an overlay over the content, closed by default and on every
  // navigation; Escape and a click outside close it too (PrimeReact Sidebar). Wide screens dock it (sidebarOpen, kept).
  // position "left" is the inline start: PrimeReact places it with flex-start, on the right in Arabic.
  const narrow = useMediaQuery(NARROW);
  const [overlayOpen, setOverlayOpen] = useState(false);
  useEffect(() => setOverlayOpen(false), [pathname, narrow]);
  const logout = () => {
    clear();
    qc.clear();
    navigate('/login', { replace: true });
  };
  const docked = !narrow && sidebarOpen;
  return (
    <div className={'wq-layout' + (docked ? ' sidebar-open' : '')}>
      <LiveFeed />
      <BrandingSync />
      <Topbar onLogout={logout} menuOpen={narrow ? overlayOpen : sidebarOpen}
        onToggleMenu={narrow ? () => setOverlayOpen((o) => !o) : toggleSidebar} />
      {narrow ? (
        <Overlay visible={overlayOpen} onHide={() => setOverlayOpen(false)} position="left"
          className="wq-menu-overlay" ariaCloseLabel={t('topbar.closeMenu')} header={<span className="wq-menu-overlay-title">{t('app.name')}</span>}>
          <Sidebar pages={pages} onNavigate={() => setOverlayOpen(false)} />
        </Overlay>
      ) : (
        <Sidebar pages={pages} />
      )}
      <main className="wq-main">
        <Suspense fallback={<ProgressSpinner />}>
          <Outlet />
        </Suspense>
      </main>
      {/* The window scrolls (main is not a scroll container). */}
      <ScrollTop threshold={400} icon="pi pi-arrow-up" className="wq-scroll-top" pt={{ root: { 'aria-label': t('topbar.scrollTop') } }} />
    </div>
  );
}
