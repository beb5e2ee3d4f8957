import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { Menu } from 'primereact/menu';
import type { MenuItem } from 'primereact/menuitem';
import { useUI } from '@/stores/ui';
import { useAuth } from '@/stores/auth';
import { LiveStatus } from './LiveStatus';
import { NotificationBell } from '@/features/notifications/components/NotificationBell';
import { useUnreadCount } from '@/features/notifications/api/notifications';
import { useAuthorizedImage } from '@/lib/api/image';
import { Badge } from 'primereact/badge';
import { useNavigate } from 'react-router-dom';
import { UserAvatar } from '@/features/profile/components/UserAvatar';
import { QuickActions } from './QuickActions';

/** menuOpen and onToggleMenu: the menu toggle's state and action (AppLayout decides which menu it toggles: the docked
 *  sidebar on wide screens, the overlay on narrow ones). */
export function Topbar({ onLogout, menuOpen, onToggleMenu }: { onLogout: () => void; menuOpen: boolean; onToggleMenu: () => void }) {
  const { t } = useTranslation();
  const { theme, language, setTheme, setLanguage, branding } = useUI();
  const logo = useAuthorizedImage(branding.logoUrl);
  const unread = useUnreadCount().data ?? 0;
  const brandText = branding.logoText || branding.appName;
  const user = useAuth((s) => s.user);
  const menu = useRef<Menu>(null);
  const navigate = useNavigate();
  const name = user?.name || user?.email || '';
  const items: MenuItem[] = [
    { label: name, disabled: true, className: 'wq-muted' },
    { separator: true },
    { label: t('profile.menu'), icon: 'pi pi-user', command: () => navigate('/profile') },
    { label: t('topbar.logout'), icon: 'pi pi-sign-out', command: onLogout },
  ];
  return (
    <header className="wq-topbar">
      <Button icon="pi pi-bars" rounded text aria-label={t('topbar.toggleMenu')} aria-expanded={menuOpen}
        onClick={onToggleMenu} />
      <span className="wq-topbar-brand" data-testid="brand">
        {logo && <img src={logo} alt={branding.showLogoText ? '' : brandText} className="wq-topbar-logo" />}
        {(branding.showLogoText || !logo) && <span>{brandText}</span>}
      </span>
      <div className="wq-topbar-actions">
        <QuickActions />
        <LiveStatus />
        <Button text icon="pi pi-language" className="wq-topbar-language" lang={language === 'en' ? 'ar' : 'en'}
          label={language === 'en' ? t('topbar.switchToArabic') : t('topbar.switchToEnglish')}
          aria-label={t('topbar.language') + ': ' + (language === 'en' ? t('topbar.switchToArabic') : t('topbar.switchToEnglish'))}
          onClick={() => setLanguage(language === 'en' ? 'ar' : 'en')} />
        <Button rounded text icon={theme === 'dark' ? 'pi pi-sun' : 'pi pi-moon'}
          aria-label={theme === 'dark' ? t('topbar.lightMode') : t('topbar.darkMode')}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} />
        <NotificationBell />
        <Menu model={items} popup ref={menu} id="wq-profile-menu" />
        {/* Named by its hidden text, not an aria-label: the initial and the count it shows are not in that name
            (axe label-content-name-mismatch); they are pictures here, hidden from assistive technology (the bell
            says the count). */}
        <button type="button" className="wq-avatar-button" aria-haspopup="menu"
          aria-controls="wq-profile-menu" onClick={(e) => menu.current?.toggle(e)}>
          <span className="wq-sr-only">{t('topbar.profileMenu')}</span>
          <span aria-hidden="true" className="wq-avatar-picture">
            <UserAvatar user={user} className="p-overlay-badge">
              {unread > 0 && <Badge value={unread > 99 ? '99+' : unread} severity="danger" />}
            </UserAvatar>
          </span>
        </button>
      </div>
    </header>
  );
}
