import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

type Base = { sessionId: string; chatId: string };
const base = ({ sessionId, chatId }: Base) => ({ chatId, ...(sessionId ? { sessionId } : {}) });

export type PollInput = Base & { question: string; options: string[]; selectableCount: number };
export type ButtonsInput = Base & { text: string; footer: string; buttons: string[] };
export type ListInput = Base & { text: string; footer: string; buttonText: string; title: string; rows: { title: string; description: string }[] };

/** POST /api/messages/send-poll. */
export const useSendPoll = () => useMutation({
  mutationFn: (i: PollInput) => unwrap(api.POST('/api/messages/send-poll', {
    body: { ...base(i), question: i.question, options: i.options, selectableCount: i.selectableCount } })),
  meta: { silent: true },
});

/** POST /api/messages/send-button. */
export const useSendButtons = () => useMutation({
  mutationFn: (i: ButtonsInput) => unwrap(api.POST('/api/messages/send-button', {
    body: { ...base(i), text: i.text, ...(i.footer ? { footer: i.footer } : {}), buttons: i.buttons.map((text) => ({ text })) } })),
  meta: { silent: true },
});

/** POST /api/messages/send-list (one section). */
export const useSendList = () => useMutation({
  mutationFn: (i: ListInput) => unwrap(api.POST('/api/messages/send-list', {
    body: { ...base(i), text: i.text, ...(i.footer ? { footer: i.footer } : {}), buttonText: i.buttonText,
      sections: [{ title: i.title, rows: i.rows.map((r) => ({ title: r.title, ...(r.description ? { description: r.description } : {}) })) }] } })),
  meta: { silent: true },
});
