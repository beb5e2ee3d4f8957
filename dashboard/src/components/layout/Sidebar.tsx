import { NavLink } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Tag } from 'primereact/tag';
import type { Page } from '@/app/pages';

/** The menu built from the page list: docked beside the content on wide screens, inside the overlay on narrow ones
 *  (onNavigate closes it when a page is picked, even the page already shown). */
export function Sidebar({ pages, onNavigate }: { pages: Page[]; onNavigate?: () => void }) {
  const { t } = useTranslation();
  return (
    <nav className="wq-sidebar" aria-label={t('app.name')}>
      <ul className="wq-menu">
        {pages.filter((p) => p.menu !== false).map((p) => (
          <li key={p.path}>
            <NavLink to={p.path} onClick={onNavigate}
              end={p.path === '/' || pages.some((o) => o.menu !== false && o.path.startsWith(p.path + '/'))}>
              <i className={p.icon} aria-hidden="true" />
              <span>{t(p.label)}</span>
              {p.tag && <Tag value={t(p.tag)} severity="success" style={{ marginInlineStart: 'auto' }} />}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
