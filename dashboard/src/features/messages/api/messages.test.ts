import { File as NodeFile } from 'node:buffer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, fieldErrors } from '@/lib/api/errors';
import { historyQuery, mergeHead, noFilter, sendMessage } from './messages';

// Node's own File: jsdom's is not a Blob to Node's fetch (Request), which browsers' fetch has no trouble with.
const file = (parts: string[], name: string, type?: string) => new NodeFile(parts, name, type ? { type } : {}) as unknown as File;

type Call = { method: string; path: string; type: string | null; body: unknown };

function stubAPI(answers: Record<string, unknown>) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    const path = new URL(req.url).pathname;
    const type = req.headers.get('Content-Type');
    const body = type?.startsWith('application/json') ? await req.json() : await req.text();
    calls.push({ method: req.method, path, type, body });
    return new Response(JSON.stringify(answers[path] ?? {}), { status: path === '/api/media' ? 201 : 202,
      headers: { 'Content-Type': 'application/json' } });
  }));
  return calls;
}

describe('sendMessage', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends a plain text as just chatId and text', async () => {
    const calls = stubAPI({});
    await sendMessage({ sessionId: '', chatId: '+1555', options: { mentionedIds: [] }, message: { kind: 'text', text: 'hi' } });
    expect(calls).toEqual([{ method: 'POST', path: '/api/messages/send-text', type: 'application/json', body: { chatId: '+1555', text: 'hi' } }]);
  });

  it('uploads a file, then sends it by its ID as the kind the API detected, with reply and mentions', async () => {
    const calls = stubAPI({ '/api/media': { mediaId: 'med_1', kind: 'image', mimetype: 'image/png' } });
    const png = file(['PNGDATA'], 'p.png', 'image/png');
    await sendMessage({ sessionId: 'ses_1', chatId: '+1555', options: { quotedMessageId: 'M1', mentionedIds: ['+1666'] },
      message: { kind: 'media', file: png, caption: 'look' } });
    expect(calls[0]).toEqual({ method: 'POST', path: '/api/media', type: 'image/png', body: 'PNGDATA' });
    expect(calls[1]).toEqual({ method: 'POST', path: '/api/messages/send-media', type: 'application/json', body: {
      chatId: '+1555', sessionId: 'ses_1', media: 'med_1', type: 'image', caption: 'look',
      options: { quotedMessageId: 'M1', mentionedIds: ['+1666'] } } });
  });

  it('names a document by its file name', async () => {
    const calls = stubAPI({ '/api/media': { mediaId: 'med_2', kind: 'document' } });
    await sendMessage({ sessionId: '', chatId: '+1555', message: { kind: 'media', file: file(['%PDF'], 'a.pdf'), caption: '' } });
    expect(calls[1]?.body).toEqual({ chatId: '+1555', media: 'med_2', type: 'document', filename: 'a.pdf' });
  });

  it('refuses a media message without a file on the field, asking nothing', async () => {
    const calls = stubAPI({});
    const err = await sendMessage({ sessionId: '', chatId: '+1555', message: { kind: 'media', file: null, caption: '' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(fieldErrors(err)).toHaveProperty('file');
    expect(calls).toEqual([]);
  });

  it('sends locations and contacts', async () => {
    const calls = stubAPI({});
    await sendMessage({ sessionId: '', chatId: '+1555', message: { kind: 'location', latitude: 24.7, longitude: 46.6, name: 'Office', address: '' } });
    await sendMessage({ sessionId: '', chatId: '+1555', message: { kind: 'contact', name: 'Sam', phone: '+1777' } });
    expect(calls.map((c) => [c.path, c.body])).toEqual([
      ['/api/messages/send-location', { chatId: '+1555', latitude: 24.7, longitude: 46.6, name: 'Office' }],
      ['/api/messages/send-contact', { chatId: '+1555', contact: { name: 'Sam', phone: '+1777' } }],
    ]);
  });
});

describe('historyQuery', () => {
  it('sends only the filters set', () => {
    expect(historyQuery(noFilter)).toEqual({ limit: 50 });
    expect(historyQuery({ sessionId: 's', chatId: ' +1555 ', direction: 'in', status: 'read' }))
      .toEqual({ limit: 50, sessionId: 's', chatId: '+1555', direction: 'in', status: 'read' });
  });
});

describe('mergeHead', () => {
  const m = (id: string) => ({ messageId: id, body: id });
  const data = { pages: [{ messages: [m('5'), m('4')], next: 'c4' }, { messages: [m('3'), m('2')], next: 'c2' }], pageParams: ['', 'c4'] };

  it('puts new messages on top and keeps every loaded page and its cursor', () => {
    const got = mergeHead(data, { messages: [m('7'), m('6'), m('5')], next: 'c5' });
    expect(got.pages.map((p) => p.messages.map((x) => x.messageId))).toEqual([['7', '6', '5', '4'], ['3', '2']]);
    expect(got.pages.map((p) => p.next)).toEqual(['c4', 'c2']);
    expect(got.pageParams).toEqual(['', 'c4']);
  });

  it('takes the new copy of a loaded message (its status)', () => {
    const got = mergeHead(data, { messages: [{ ...m('5'), body: 'new' }, m('4')], next: 'c4' });
    expect(got.pages[0]?.messages).toEqual([{ messageId: '5', body: 'new' }, m('4')]);
  });

  it('never moves a status back (a page fetched before a receipt the feed applied)', () => {
    const loaded = { pages: [{ messages: [{ ...m('5'), status: 'delivered' as const }, { ...m('4'), status: 'sent' as const }] }], pageParams: [''] };
    const got = mergeHead(loaded, { messages: [{ ...m('5'), status: 'sent' }, { ...m('4'), status: 'read' }] });
    expect(got.pages[0]?.messages.map((x) => x.status)).toEqual(['delivered', 'read']);
  });

  it('starts again from the newest page when more arrived than a page holds', () => {
    const head = { messages: [m('9'), m('8')], next: 'c8' };
    expect(mergeHead(data, head)).toEqual({ pages: [head], pageParams: [''] });
  });
});
