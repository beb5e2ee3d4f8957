import { QueryClient } from '@tanstack/react-query';
import { applyFrame } from './live';
import { sessionKeys, type WhatsAppSession } from '@/features/sessions/api/sessions';
import { messageKeys } from '@/features/messages/api/messages';

const frame = (topic: 'status' | 'messages', event: string, data: unknown, sessionId = 'ses_1') =>
  ({ type: 'event' as const, topic, event, id: 'evt_1', time: 't', sessionId, data });

describe('applyFrame', () => {
  it('puts a session.status frame into the sessions list at once and marks the list stale', () => {
    const qc = new QueryClient();
    qc.setQueryData<WhatsAppSession[]>(sessionKeys.list(), [
      { id: 'ses_1', name: 'Shop', status: 'qr' } as WhatsAppSession,
      { id: 'ses_2', name: 'Other', status: 'qr' } as WhatsAppSession,
    ]);
    applyFrame(qc, frame('status', 'session.status', { status: 'ready', state: 'ready' }));
    expect(qc.getQueryData<WhatsAppSession[]>(sessionKeys.list())?.map((s) => s.status)).toEqual(['ready', 'qr']);
    expect(qc.getQueryState(sessionKeys.list())?.isInvalidated).toBe(true);
  });

  it('puts a session.qr frame into that session’s QR query', () => {
    const qc = new QueryClient();
    applyFrame(qc, frame('status', 'session.qr', { qr: '2@abc', timestamp: 1, expiresAt: 1764773450 }));
    expect(qc.getQueryData(sessionKeys.qr('ses_1'))).toEqual({ qr: '2@abc', status: 'qr', expiresAt: '2025-12-03T14:50:50.000Z' });
  });

  it('marks an open message timeline stale on a messages frame', () => {
    const qc = new QueryClient();
    qc.setQueryData(messageKeys.one('x'), {});
    expect(qc.getQueryState(messageKeys.one('x'))?.isInvalidated).toBe(false);
    applyFrame(qc, frame('messages', 'message.delivered', { messageId: 'x' }));
    expect(qc.getQueryState(messageKeys.one('x'))?.isInvalidated).toBe(true);
  });

  it('marks that session’s message counters stale on a messages frame, not the other sessions’', () => {
    const qc = new QueryClient();
    qc.setQueryData(sessionKeys.stats('ses_1'), {});
    qc.setQueryData(sessionKeys.stats('ses_2'), {});
    applyFrame(qc, frame('messages', 'message.received', { messageId: 'x' }));
    expect(qc.getQueryState(sessionKeys.stats('ses_1'))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(sessionKeys.stats('ses_2'))?.isInvalidated).toBe(false);
  });
});
