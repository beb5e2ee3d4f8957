import { useContext, useEffect, useRef, useState } from 'react';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { I18nextProvider } from 'react-i18next';
import { PrimeReactContext, PrimeReactProvider, type APIOptions } from 'primereact/api';
import { Toast } from 'primereact/toast';
import i18n, { applyDocumentLanguage } from '@/lib/i18n';
import { applyPrimeLocale } from '@/lib/primeLocale';
import { makeQueryClient } from '@/lib/queryClient';
import { registerToast } from '@/lib/toast';
import { useUI } from '@/stores/ui';
import { applyTheme } from './theme';

/** Keeps <html lang dir>, i18next, PrimeReact's own strings and the theme in step with the persisted UI state. */
function UISync() {
  const language = useUI((s) => s.language);
  const theme = useUI((s) => s.theme);
  // PrimeReactProvider reads value.locale only once; its context's setLocale changes it later.
  const setPrimeContextLocale = useContext(PrimeReactContext)?.setLocale;
  useEffect(() => {
    void i18n.changeLanguage(language);
    applyDocumentLanguage(language);
    // PrimeReact's components read the global locale as they render; the context's change re-renders them.
    applyPrimeLocale(language);
    setPrimeContextLocale?.(language);
  }, [language, setPrimeContextLocale]);
  useEffect(() => applyTheme(theme), [theme]);
  return null;
}

/** PrimeReact options for every component (accessibility fixes checked by axe in e2e/pages.spec.mjs). A Dropdown's keyboard control is its focusable input (labelled by the
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
    // An InputSwitch is its focusable <input role="switch"> (labelled by <label htmlFor={inputId}>, or by its
    // aria-label, which PrimeReact also puts there). PrimeReact also gives the box around it role="checkbox", a
    // second control with the input nested in it (axe: nested-interactive), and copies the aria-label onto it: the
    // box becomes a plain element. Clicks still reach the input, which covers the whole switch in the theme.
    inputswitch: {
      root: { role: undefined, 'aria-checked': undefined, 'aria-label': undefined, 'aria-labelledby': undefined },
    },
    // Chips: PrimeReact makes its <ul> a listbox with options but also puts the text input in a plain <li> inside
    // it, which a listbox may not hold (axe: aria-required-children, listitem), and a listbox needs a name of its
    // own (aria-input-field-name). The entered values are a plain list (a <ul> of <li>, each named by its text,
    // with its position), and the control is the text input, labelled by <label htmlFor={inputId}>.
    chips: {
      container: { role: undefined, 'aria-orientation': undefined, 'aria-activedescendant': undefined },
      token: { role: undefined, 'aria-selected': undefined, 'aria-label': undefined },
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
