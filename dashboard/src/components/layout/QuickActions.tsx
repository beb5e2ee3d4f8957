import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { Button } from 'primereact/button';
import { Menu } from 'primereact/menu';
import type { MenuItem } from 'primereact/menuitem';
import type { components } from '@/lib/api/schema';
import { useMe } from '@/features/profile/api/profile';

type Scope = components['schemas']['Scope'];

export interface QuickAction {
  /** topbar.quick.<key> is its label. */
  key: 'message' | 'session' | 'webhook';
  icon: string;
  /** The scope its API call needs (shared/httpapi/routes.go); without it the action is hidden. */
  scope: Scope;
  /** Where it happens: the page reads the parameter once, starts the action and removes it (useStartParam). */
  to: string;
}

export const quickActions: readonly QuickAction[] = [
  { key: 'message', icon: 'pi pi-send', scope: 'messages:send', to: '/messages?compose=1' },
  { key: 'session', icon: 'pi pi-mobile', scope: 'sessions:write', to: '/?new=1' },
  { key: 'webhook', icon: 'pi pi-link', scope: 'webhooks:write', to: '/settings/webhooks?new=1' },
];

/** The quick actions the caller's scopes (GET /api/me, auth.scopes; "*" is every scope) allow; none while unknown. */
export function allowedQuickActions(scopes: readonly string[] | undefined): QuickAction[] {
  if (!scopes) return [];
  return quickActions.filter((a) => scopes.includes('*') || scopes.includes(a.scope));
}

/** The topbar's "+": a popup menu of the quick actions the user may use; nothing when they may use none. */
export function QuickActions() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const menu = useRef<Menu>(null);
  const actions = allowedQuickActions(useMe().data?.auth?.scopes);
  if (actions.length === 0) return null;
  const items: MenuItem[] = actions.map((a) => ({
    label: t(`topbar.quick.${a.key}`), icon: a.icon, command: () => navigate(a.to),
  }));
  return (
    <>
      <Menu model={items} popup ref={menu} id="wq-quick-menu" />
      <Button icon="pi pi-plus" rounded aria-label={t('topbar.quick.label')} aria-haspopup="menu"
        aria-controls="wq-quick-menu" onClick={(e) => menu.current?.toggle(e)} />
    </>
  );
}
