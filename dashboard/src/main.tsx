import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router-dom';
import 'primeflex/primeflex.css';
import 'primeicons/primeicons.css';
import '@/styles/tokens.css';
import { AppProvider } from '@/app/provider';
import { loginPath, makeRouter } from '@/app/router';
import { setUnauthorizedHandler } from '@/lib/api/client';

const router = makeRouter();
// An expired or revoked login: to the login page, and back here after signing in.
setUnauthorizedHandler(() => {
  const { pathname, search } = router.state.location;
  if (pathname !== '/login') void router.navigate(loginPath(pathname + search), { replace: true });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppProvider>
      <RouterProvider router={router} />
    </AppProvider>
  </StrictMode>,
);
