import { useTranslation } from 'react-i18next';
import { Dialog } from 'primereact/dialog';
import { Timeline } from 'primereact/timeline';
import { Skeleton } from 'primereact/skeleton';
import { Message as Notice } from 'primereact/message';
import { ApiError } from '@/lib/api/errors';
import { useMessage, type MessageStatus } from '../api/messages';

type Step = { status?: MessageStatus; at?: string; error?: string };

const markers: Record<MessageStatus, string> = {
  pending: 'pi pi-clock', sent: 'pi pi-check', delivered: 'pi pi-check-circle', read: 'pi pi-eye', played: 'pi pi-play',
  failed: 'pi pi-times-circle', received: 'pi pi-inbox',
};

/** One message's status timeline (GET /api/messages/{id}); the live feed refetches it as receipts arrive. */
export function StatusTimeline({ id, onHide }: { id: string | null; onHide: () => void }) {
  const { t, i18n } = useTranslation();
  const q = useMessage(id);
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  const steps: Step[] = q.data?.timeline ?? [];
  return (
    <Dialog header={t('messages.timeline')} visible={!!id} onHide={onHide} style={{ inlineSize: 'min(480px, 95vw)' }}
      dismissableMask>
      {q.isPending && <div className="flex flex-column gap-2"><Skeleton height="2rem" /><Skeleton height="2rem" /></div>}
      {q.isError && <Notice severity="error" className="w-full" text={q.error instanceof ApiError
        ? `${q.error.message} (${q.error.code})` : t('errors.network')} />}
      {q.data && (
        <>
          {q.data.error && <Notice severity="error" className="w-full mb-3" text={q.data.error} />}
          <Timeline value={steps} data-testid="status-timeline"
            marker={(s: Step) => <i className={`${markers[s.status ?? 'pending']} wq-timeline-marker`} aria-hidden="true" />}
            content={(s: Step) => (
              <div data-step={s.status}>
                <strong>{t(`messages.status.${s.status ?? 'pending'}`)}</strong>
                <div className="wq-muted"><bdi dir="ltr">{s.at ? time.format(new Date(s.at)) : ''}</bdi></div>
                {s.error && <div className="p-error">{s.error}</div>}
              </div>
            )} />
          {steps.length === 0 && <p className="wq-muted m-0">{t('messages.noTimeline')}</p>}
        </>
      )}
    </Dialog>
  );
}
