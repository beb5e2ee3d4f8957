import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router-dom';
import 'primeflex/primeflex.css';
import 'primeicons/primeicons.css';
import '@/styles/tokens.css';
import { AppProvider } from '@/app/provider';
import { loginPath, makeRouter } from '@/app/router';
import { applyRuntimeConfig, setUnauthorizedHandler } from '@/lib/api/client';
import { loadConfig } from '@/lib/config';
import i18n, { applyDocumentLanguage } from '@/lib/i18n';
import { useUI } from '@/stores/ui';

const root = createRoot(document.getElementById('root')!);

/** The persisted language, applied before the first render: components mounted before a later change of language
 *  would keep the strings of the first (the menu stayed English after reloading an Arabic page). */
function applyLanguage() {
  const lng = useUI.getState().language;
  applyDocumentLanguage(lng);
  void i18n.changeLanguage(lng);
}

function start() {
  applyLanguage();
  const router = makeRouter();
  // An expired or revoked login: to the login page, and back here after signing in.
  setUnauthorizedHandler(() => {
    const { pathname, search } = router.state.location;
    if (pathname !== '/login') void router.navigate(loginPath(pathname + search), { replace: true });
  });
  root.render(
    <StrictMode>
      <AppProvider>
        <RouterProvider router={router} />
      </AppProvider>
    </StrictMode>,
  );
}

// The API's URL comes from /config.json (standalone generates it, the CDK stack writes it): never baked in.
loadConfig()
  .then(() => {
    applyRuntimeConfig();
    start();
  })
  .catch((e: unknown) => {
    applyLanguage();
    root.render(
      <main className="wq-config-error" role="alert">
        {i18n.t('app.configError', { reason: e instanceof Error ? e.message : String(e) })}
      </main>,
    );
  });
