import { describe, expect, it } from 'vitest';
import { translations } from './i18n';

type Tree = { [key: string]: string | Tree };

function keys(t: Tree, prefix = ''): string[] {
  return Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, prefix + k + '.')));
}

describe('translations', () => {
  const all = translations();

  it('has every English key in Arabic and no Arabic key without an English one', () => {
    const en = keys(all.en).sort();
    const ar = keys(all.ar).sort();
    expect(en.length).toBeGreaterThan(50);
    expect(ar.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !ar.includes(k))).toEqual([]);
  });

  it('has no empty string and keeps the placeholders of each English string in Arabic', () => {
    const en = keys(all.en);
    const get = (t: Tree, k: string) => k.split('.').reduce<string | Tree | undefined>((n, p) => (n as Tree)[p], t) as string;
    for (const k of en) {
      const e = get(all.en, k);
      const a = get(all.ar, k);
      expect(e.trim(), k).not.toBe('');
      expect(a.trim(), k).not.toBe('');
      const ph = (s: string) => (s.match(/{{\s*\w+\s*}}/g) ?? []).map((p) => p.replace(/\s/g, '')).sort();
      expect(ph(a), k).toEqual(ph(e));
    }
  });
});
