import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <div className="wq-login">
      <div className="wq-card text-center">
        <h1>{t('notFound.title')}</h1>
        <p className="wq-muted">{t('notFound.text')}</p>
        <Link to="/">{t('notFound.home')}</Link>
      </div>
    </div>
  );
}
