/** A chat ID in the chat view's path, and back. A person's chat is their number (`/messages/chat/<session>/966…`): the
 *  API takes it in any form, and the standalone server answers a last path segment with a dot (`…@s.whatsapp.net`
 *  looks like a file name) with 404 rather than the app. Other chat IDs (groups, LIDs) are kept, with a closing `/`
 *  when they hold a dot. */
export function chatPath(sessionId: string, chatId: string) {
  const m = /^(\d+)@(s\.whatsapp\.net|c\.us)$/.exec(chatId);
  const seg = m ? m[1]! : chatId;
  return `/messages/chat/${encodeURIComponent(sessionId)}/${encodeURIComponent(seg)}${seg.includes('.') ? '/' : ''}`;
}

/** The canonical chat ID of what the path or a person typed, as the API stores it, for a phone number (with or
 *  without +, 00, spaces, dashes, dots or parentheses); anything else unchanged (the API decides whether it is valid). */
export function canonicalChat(s: string) {
  const v = s.trim();
  if (/^\+?[\d\s().-]+$/.test(v)) {
    const digits = v.replace(/\D/g, '').replace(/^00/, '');
    if (digits) return digits + '@s.whatsapp.net';
  }
  return v;
}

/** A chat ID as people read it: "+<digits>" for a phone number's chat, else the ID. */
export function peerLabel(chatId: string) {
  const m = /^(\d+)@(s\.whatsapp\.net|c\.us)$/.exec(chatId);
  return m ? '+' + m[1] : chatId;
}
