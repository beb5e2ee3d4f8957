import { createBrowserRouter, Navigate, useLocation, type RouteObject } from 'react-router-dom';
import { AppLayout } from '@/components/layout/AppLayout';
import { useAuth } from '@/stores/auth';
import { LoginPage } from './routes/login/LoginPage';
import { NotFoundPage } from './routes/not-found/NotFoundPage';
import { pages, type Page } from './pages';

/** Where the login page sends the user back to (only paths inside the app). */
export function loginPath(next: string) {
  return next && next !== '/' && next.startsWith('/') && !next.startsWith('/login')
    ? '/login?next=' + encodeURIComponent(next) : '/login';
}

function RequireAuth({ children }: { children: React.ReactNode }) {
  const token = useAuth((s) => s.token);
  const loc = useLocation();
  if (!token) return <Navigate to={loginPath(loc.pathname + loc.search)} replace />;
  return <>{children}</>;
}

export function routes(list: Page[] = pages): RouteObject[] {
  return [
    { path: '/login', element: <LoginPage /> },
    {
      element: <RequireAuth><AppLayout pages={list} /></RequireAuth>,
      children: list.map((p) => ({ path: p.path, element: <p.component /> })),
    },
    { path: '*', element: <NotFoundPage /> },
  ];
}

export const makeRouter = () => createBrowserRouter(routes());
