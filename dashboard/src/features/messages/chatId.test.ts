import { describe, expect, it } from 'vitest';
import { canonicalChat, chatPath, peerLabel } from './chatId';

describe('chat IDs in the path', () => {
  it('puts a person as their number and other IDs without a dot in the last segment', () => {
    expect(chatPath('ses_1', '966500000101@s.whatsapp.net')).toBe('/messages/chat/ses_1/966500000101');
    expect(chatPath('ses_1', '123@lid')).toBe('/messages/chat/ses_1/123%40lid');
    expect(chatPath('ses_1', '120363012345678901@g.us')).toBe('/messages/chat/ses_1/120363012345678901%40g.us/');
  });

  it('reads it back as the canonical chat ID', () => {
    expect(canonicalChat('966500000101')).toBe('966500000101@s.whatsapp.net');
    expect(canonicalChat('+966 50 000-0101')).toBe('966500000101@s.whatsapp.net');
    expect(canonicalChat('00966500000101')).toBe('966500000101@s.whatsapp.net');
    expect(canonicalChat('120363012345678901@g.us')).toBe('120363012345678901@g.us');
    expect(peerLabel('966500000101@s.whatsapp.net')).toBe('+966500000101');
    expect(peerLabel('123@lid')).toBe('123@lid');
  });
});
