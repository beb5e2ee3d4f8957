import { useSyncExternalStore } from 'react';

/** Whether a CSS media query matches now, following changes (false where the browser has no matchMedia). */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (changed) => {
      if (typeof window.matchMedia !== 'function') return () => {};
      const m = window.matchMedia(query);
      m.addEventListener('change', changed);
      return () => m.removeEventListener('change', changed);
    },
    () => typeof window.matchMedia === 'function' && window.matchMedia(query).matches,
  );
}

/** Below this width the menu is an overlay (PrimeReact Sidebar), closed by default; it matches tokens.css. */
export const NARROW = '(max-width: 991px)';
