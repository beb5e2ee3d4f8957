import { useTranslation } from 'react-i18next';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { useMe } from '@/features/profile/api/profile';
import { AvatarCard } from '@/features/profile/components/AvatarCard';
import { InfoForm } from '@/features/profile/components/InfoForm';
import { EmailForm } from '@/features/profile/components/EmailForm';
import { PasswordForm } from '@/features/profile/components/PasswordForm';
import { ActivityList } from '@/features/profile/components/ActivityList';

export default function ProfilePage() {
  const { t } = useTranslation();
  const me = useMe();
  const user = me.data?.user;
  return (
    <section>
      <div className="wq-page-header"><h1>{t('profile.title')}</h1></div>
      {me.isError && <Notice severity="error" className="w-full mb-3" text={me.error instanceof ApiError
        ? `${me.error.message} (${me.error.code})` : t('errors.network')} />}
      {me.isPending && (
        <div className="grid" role="status" aria-busy="true" aria-label={t('common.loading')}>
          {[0, 1, 2].map((i) => <div key={i} className="col-12 lg:col-4"><Skeleton height="16rem" /></div>)}
        </div>
      )}
      {user && (
        <div className="grid">
          <div className="col-12 lg:col-4"><AvatarCard user={user} /></div>
          <div className="col-12 lg:col-4">
            <div className="wq-card"><InfoForm user={user} /><EmailForm user={user} /></div>
          </div>
          <div className="col-12 lg:col-4"><PasswordForm /></div>
          <div className="col-12"><ActivityList userId={user.id ?? ''} /></div>
        </div>
      )}
    </section>
  );
}
