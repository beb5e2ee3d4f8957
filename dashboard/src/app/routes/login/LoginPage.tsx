import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { InputText } from 'primereact/inputtext';
import { Password } from 'primereact/password';
import { Button } from 'primereact/button';
import { Message } from 'primereact/message';
import { useLogin } from '@/features/auth/api/login';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { useAuth } from '@/stores/auth';

function safeNext(next: string | null) {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = useAuth((s) => s.token);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useLogin();
  const next = safeNext(params.get('next'));
  if (token && !login.isPending) return <Navigate to={next} replace />;
  const fields = fieldErrors(login.error);
  const err = login.error;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    login.mutate({ email, password }, { onSuccess: () => navigate(next, { replace: true }) });
  };
  return (
    <div className="wq-login">
      <form className="wq-card" onSubmit={submit} noValidate>
        <h1>{t('login.title')}</h1>
        {err && (
          <Message severity="error" className="w-full mb-3"
            text={err instanceof ApiError ? err.message : t('errors.network')} />
        )}
        <div className="wq-field">
          <label htmlFor="login-email">{t('login.email')}</label>
          <InputText id="login-email" type="email" autoComplete="username" value={email} required
            invalid={!!fields['email']} aria-describedby={fields['email'] ? 'login-email-error' : undefined}
            onChange={(e) => setEmail(e.target.value)} />
          {fields['email'] && <small id="login-email-error" className="p-error">{fields['email']}</small>}
        </div>
        <div className="wq-field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <Password inputId="login-password" autoComplete="current-password" value={password} feedback={false}
            toggleMask required invalid={!!fields['password']} inputClassName="w-full" className="w-full"
            onChange={(e) => setPassword(e.target.value)} />
          {fields['password'] && <small className="p-error">{fields['password']}</small>}
        </div>
        <Button type="submit" label={t('login.submit')} className="w-full" loading={login.isPending} />
      </form>
    </div>
  );
}
