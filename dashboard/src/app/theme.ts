import lightHref from 'primereact/resources/themes/lara-light-teal/theme.css?url';
import darkHref from 'primereact/resources/themes/lara-dark-teal/theme.css?url';
import type { Theme } from '@/stores/ui';

/** Light and dark are PrimeReact's Lara teal themes, swapped as one <link>; our tokens (tokens.css) come after. */
export function applyTheme(theme: Theme) {
  let link = document.getElementById('wq-theme') as HTMLLinkElement | null;
  if (!link) {
    link = document.createElement('link');
    link.id = 'wq-theme';
    link.rel = 'stylesheet';
    document.head.prepend(link);
  }
  const href = theme === 'dark' ? darkHref : lightHref;
  if (link.getAttribute('href') !== href) link.href = href;
  document.documentElement.dataset['theme'] = theme;
}
