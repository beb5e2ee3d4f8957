import { useEffect, useRef, useState } from 'react';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { I18nextProvider } from 'react-i18next';
import { PrimeReactProvider, type APIOptions } from 'primereact/api';
import { Toast } from 'primereact/toast';
import i18n, { applyDocumentLanguage } from '@/lib/i18n';
import { makeQueryClient } from '@/lib/queryClient';
import { registerToast } from '@/lib/toast';
import { useUI } from '@/stores/ui';
import { applyTheme } from './theme';

/** Keeps <html lang dir>, i18next and the theme in step with the persisted UI state. */
function UISync() {
  const language = useUI((s) => s.language);
  const theme = useUI((s) => s.theme);
  useEffect(() => {
    void i18n.changeLanguage(language);
    applyDocumentLanguage(language);
  }, [language]);
  useEffect(() => applyTheme(theme), [theme]);
  return null;
}

/** PrimeReact options for every component. A Dropdown's keyboard control is its focusable input (labelled by the
 *  form's <label htmlFor={inputId}>); its hidden <select> (the form value) and its arrow (a mouse affordance, not
 *  focusable) had no accessible name, which axe reports as critical and serious: they are hidden from assistive
 *  technology. A Dropdown without a <label> names itself with its ariaLabel prop, which PrimeReact puts on the
 *  arrow: it is given to the focusable input instead. */
export const primeOptions: Partial<APIOptions> = {
  ripple: true,
  pt: {
    dropdown: {
      input: (o?: { props?: { ariaLabel?: string } }) => (o?.props?.ariaLabel ? { 'aria-label': o.props.ariaLabel } : {}),
      select: { 'aria-hidden': true },
      trigger: { 'aria-hidden': true },
    },
  },
};

export function AppProvider({ children, queryClient }: { children: React.ReactNode; queryClient?: QueryClient }) {
  const [qc] = useState(() => queryClient ?? makeQueryClient());
  const toast = useRef<Toast>(null);
  useEffect(() => registerToast(toast), []);
  const rtl = useUI((s) => s.language === 'ar');
  return (
    <PrimeReactProvider value={primeOptions}>
      <I18nextProvider i18n={i18n}>
        <QueryClientProvider client={qc}>
          <UISync />
          <Toast ref={toast} position={rtl ? 'top-left' : 'top-right'} />
          {children}
        </QueryClientProvider>
      </I18nextProvider>
    </PrimeReactProvider>
  );
}
