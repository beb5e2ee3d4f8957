import { lazy } from 'react';

/** The dashboard's pages: one line each. The router and the sidebar menu are both built from this list;
 *  a new page is a folder under src/app/routes/ plus one line here. */
export interface Page {
  path: string;
  /** i18n key of the menu label. */
  label: string;
  /** PrimeIcons class. */
  icon: string;
  component: React.LazyExoticComponent<React.ComponentType>;
  /** i18n key of a tag shown next to the menu label ("New"). */
  tag?: string;
  /** false: a route only, not in the menu (a path with parameters, reached from another page). */
  menu?: false;
}

export const pages: Page[] = [
  { path: '/', label: 'menu.sessions', icon: 'pi pi-mobile', component: lazy(() => import('./routes/sessions/SessionsPage')) },
  { path: '/messages', label: 'menu.messages', icon: 'pi pi-comments', component: lazy(() => import('./routes/messages/MessagesPage')) },
  { path: '/messages/chat', label: 'chat.menu', icon: 'pi pi-whatsapp', component: lazy(() => import('./routes/chat/ChatPage')) },
  { path: '/messages/chat/:session/:chatId', label: 'chat.menu', icon: 'pi pi-whatsapp', component: lazy(() => import('./routes/chat/ChatPage')), menu: false },
  { path: '/campaigns', label: 'campaigns.menu', icon: 'pi pi-megaphone', component: lazy(() => import('./routes/campaigns/CampaignsPage')), tag: 'premium.new' },
  { path: '/interactive', label: 'interactive.menu', icon: 'pi pi-list-check', component: lazy(() => import('./routes/interactive/InteractivePage')), tag: 'premium.new' },
  { path: '/reports', label: 'reports.menu', icon: 'pi pi-chart-bar', component: lazy(() => import('./routes/reports/ReportsPage')), tag: 'premium.new' },
  { path: '/api-keys', label: 'menu.apiKeys', icon: 'pi pi-key', component: lazy(() => import('./routes/api-keys/ApiKeysPage')) },
  { path: '/settings/webhooks', label: 'webhooks.menu', icon: 'pi pi-send', component: lazy(() => import('./routes/webhooks/WebhooksPage')) },
  { path: '/settings/users', label: 'users.menu', icon: 'pi pi-users', component: lazy(() => import('./routes/users/UsersPage')) },
  { path: '/settings/branding', label: 'branding.menu', icon: 'pi pi-palette', component: lazy(() => import('./routes/branding/BrandingPage')) },
  { path: '/notifications', label: 'notifications.menu', icon: 'pi pi-bell', component: lazy(() => import('./routes/notifications/NotificationsPage')) },
  { path: '/events', label: 'events.menu', icon: 'pi pi-bolt', component: lazy(() => import('./routes/events/EventsPage')) },
  { path: '/profile', label: 'profile.menu', icon: 'pi pi-user', component: lazy(() => import('./routes/profile/ProfilePage')) },
  { path: '/uikit', label: 'uikit.menu', icon: 'pi pi-palette', component: lazy(() => import('./routes/uikit/UIKitPage')) },
  { path: '/about', label: 'about.menu', icon: 'pi pi-info-circle', component: lazy(() => import('./routes/about/AboutPage')) },
];
