import { useTranslation } from 'react-i18next';
import { Skeleton } from 'primereact/skeleton';
import { useSessionStats } from '../api/sessions';

const counters = ['sent', 'delivered', 'read', 'failed', 'received'] as const;

/** One session's message counters of the last 24 hours: outgoing ones through the funnel (a read message counts as
 *  delivered and sent too), failed, and incoming. Nothing is shown when the API refuses (a key without
 *  messages:read): the rest of the card does not depend on it. */
export function SessionStats({ id, enabled }: { id: string; enabled: boolean }) {
  const { t } = useTranslation();
  const q = useSessionStats(id, enabled);
  if (!enabled || q.isError) return null;
  const titleId = `session-stats-${id}`;
  if (q.isPending) return <Skeleton height="3rem" className="mt-3" />;
  const s = q.data;
  const value = { ...s.outbound, received: s.inbound };
  return (
    <section className="mt-3" aria-labelledby={titleId}>
      <h3 id={titleId} className="wq-muted text-sm font-normal m-0 mb-1">{t('sessions.stats.title')}</h3>
      <dl className="flex flex-wrap gap-4 m-0">
        {counters.map((c) => (
          <div key={c} className="flex flex-column">
            <dt className="wq-muted text-sm">{t(`sessions.stats.${c}`)}</dt>
            <dd className="m-0 text-xl font-semibold" dir="ltr" data-counter={c}>{value[c]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
