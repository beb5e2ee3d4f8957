import { describe, expect, it } from 'vitest';
import { gravatarUrl, md5 } from './md5';

describe('md5', () => {
  it('matches the RFC 1321 test suite', () => {
    expect(md5('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5('a')).toBe('0cc175b9c0f1b6a831c399e269772661');
    expect(md5('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5('message digest')).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    expect(md5('abcdefghijklmnopqrstuvwxyz')).toBe('c3fcd3d76192e4007dfb496cca67e13b');
    expect(md5('12345678901234567890123456789012345678901234567890123456789012345678901234567890'))
      .toBe('57edf4a22be3c955ac49da2e2107b67a');
  });
  it('hashes UTF-8 bytes', () => {
    expect(md5('\u00e9')).toBe('66ddcd97cfdeabb2f6fb8a999b4bc76f');
  });
});

describe('gravatarUrl', () => {
  it('uses the MD5 of the trimmed, lowercased email', () => {
    // Gravatar's documented example.
    expect(gravatarUrl(' MyEmailAddress@example.com ')).toBe(
      'https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=80&d=404');
  });
});
