import { useTranslation } from 'react-i18next';
import { Tag } from 'primereact/tag';
import { useLive } from '@/stores/live';

const severity = { open: 'success', connecting: 'info', reconnecting: 'warning', closed: 'danger' } as const;

/** The live feed's connection status and latency, in the topbar. */
export function LiveStatus() {
  const { t } = useTranslation();
  const { state, latencyMs } = useLive();
  const text = state === 'open' && latencyMs !== null
    ? t('topbar.live.openLatency', { ms: Math.round(latencyMs) })
    : t(`topbar.live.${state}`);
  return (
    <Tag className="wq-live" severity={severity[state]} value={<bdi>{text}</bdi>} rounded data-state={state}
      role="status" aria-label={t('topbar.live.label', { status: text })}
      icon={state === 'open' ? 'pi pi-bolt' : state === 'closed' ? 'pi pi-times-circle' : 'pi pi-spin pi-spinner'} />
  );
}
