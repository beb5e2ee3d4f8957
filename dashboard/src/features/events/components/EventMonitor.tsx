import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Button } from 'primereact/button';
import { MultiSelect } from 'primereact/multiselect';
import { Dropdown } from 'primereact/dropdown';
import { Tag } from 'primereact/tag';
import { Dialog } from 'primereact/dialog';
import { Message as Notice } from 'primereact/message';
import type { EventFrame } from '@waqtor/realtime';
import { eventTypes, filterEvents, MONITOR_LIMIT, useEventMonitor } from '../api/monitor';

export type SessionOption = { id: string; label: string };

function severity(event: string): 'success' | 'info' | 'warning' | 'danger' | 'secondary' {
  if (event.endsWith('failed') || event.endsWith('banned')) return 'danger';
  if (event.startsWith('session.')) return 'warning';
  if (event === 'message.delivered' || event === 'message.read') return 'success';
  if (event.startsWith('message.')) return 'info';
  return 'secondary';
}

/** The live monitor of the tenant's events (its own connection to the feed, every topic the caller may see). */
export function EventMonitor({ sessions }: { sessions: SessionOption[] }) {
  const { t, i18n } = useTranslation();
  const { state, dispatch, conn, refused } = useEventMonitor();
  const [types, setTypes] = useState<string[]>([]);
  const [sessionId, setSessionId] = useState('');
  const [inspected, setInspected] = useState<EventFrame | null>(null);
  const shown = useMemo(() => filterEvents(state.events, { types, sessionId }), [state.events, types, sessionId]);
  const typeOptions = useMemo(() => [...new Set([...eventTypes([...state.events, ...state.held]), ...types])].sort()
    .map((v) => ({ label: v, value: v })), [state.events, state.held, types]);
  const sessionName = (id?: string) => sessions.find((s) => s.id === id)?.label ?? id ?? '';
  const time = new Intl.DateTimeFormat(i18n.language, { timeStyle: 'medium' });
  const connSeverity = conn === 'open' ? 'success' : conn === 'closed' ? 'danger' : 'warning';
  return (
    <div className="flex flex-column gap-3">
      <div className="wq-card wq-toolbar" role="toolbar" aria-label={t('events.controls')}>
        <Tag severity={connSeverity} value={t(`events.conn.${conn}`)} icon="pi pi-wifi" data-conn={conn} />
        <MultiSelect inputId="events-types" value={types} options={typeOptions} onChange={(e) => setTypes(e.value as string[])}
          placeholder={t('events.allTypes')} aria-label={t('events.type')} display="chip" filter className="wq-filter" />
        <Dropdown inputId="events-session" value={sessionId} optionLabel="label" optionValue="id" aria-label={t('events.session')}
          options={[{ id: '', label: t('events.allSessions') }, ...sessions]} onChange={(e) => setSessionId(e.value as string)}
          className="wq-filter" />
        <span className="wq-toolbar-end flex gap-2 align-items-center">
          {state.paused ? (
            <Button icon="pi pi-play" label={t('events.resume')} onClick={() => dispatch({ type: 'resume' })}
              badge={String(state.held.length)} badgeClassName="p-badge-warning" data-held={state.held.length}
              aria-label={t('events.resumeCount', { count: state.held.length })} />
          ) : (
            <Button icon="pi pi-pause" label={t('events.pause')} outlined onClick={() => dispatch({ type: 'pause' })} />
          )}
          <Button icon="pi pi-trash" label={t('events.clear')} severity="secondary" outlined
            onClick={() => dispatch({ type: 'clear' })} disabled={state.events.length + state.held.length === 0} />
        </span>
      </div>
      {refused.map((m) => <Notice key={m} severity="info" className="w-full" text={t('events.refused', { reason: m })} />)}
      <p className="wq-muted m-0" aria-live="polite">
        {t('events.counts', { shown: shown.length, total: state.events.length, limit: MONITOR_LIMIT })}
        {state.paused ? ' · ' + t('events.held', { count: state.held.length }) : ''}
      </p>
      <DataTable value={shown} dataKey="id" size="small" className="wq-card p-0" aria-label={t('events.title')}
        emptyMessage={state.events.length === 0 ? t('events.waiting') : t('events.noMatch')}
        selectionMode="single" onRowSelect={(e) => setInspected(e.data as EventFrame)} rowClassName={() => 'wq-event-row'}>
        <Column header={t('events.time')} body={(e: EventFrame) => <bdi dir="ltr">{time.format(new Date(e.time))}</bdi>} />
        <Column header={t('events.type')} body={(e: EventFrame) => <Tag value={e.event} severity={severity(e.event)} />} />
        <Column header={t('events.topic')} field="topic" />
        <Column header={t('events.session')} body={(e: EventFrame) => <bdi>{sessionName(e.sessionId)}</bdi>} />
        <Column body={(e: EventFrame) => (
          <Button size="small" text icon="pi pi-code" aria-label={t('events.inspect')} onClick={() => setInspected(e)} />
        )} />
      </DataTable>
      <Dialog header={inspected?.event ?? ''} visible={!!inspected} onHide={() => setInspected(null)}
        style={{ inlineSize: 'min(720px, 95vw)' }} dismissableMask>
        {inspected && <pre className="wq-json" dir="ltr" data-testid="event-json">{JSON.stringify(inspected, null, 2)}</pre>}
      </Dialog>
    </div>
  );
}
