import { Tag } from 'primereact/tag';
import { useTranslation } from 'react-i18next';
import type { SessionStatus } from '../api/sessions';

const severity: Record<SessionStatus, 'success' | 'info' | 'warning' | 'danger' | null> = {
  ready: 'success',
  connecting: 'info',
  qr: 'info',
  reconnecting: 'warning',
  logged_out: 'danger',
  banned: 'danger',
  replaced: 'warning',
  outdated: 'danger',
  stopped: null,
};

export function StatusTag({ status }: { status: SessionStatus | undefined }) {
  const { t } = useTranslation();
  if (!status) return null;
  return <Tag value={t(`sessions.status.${status}`)} severity={severity[status]} data-status={status} />;
}
