import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Language } from '@/stores/ui';

export const languages: Record<Language, { dir: 'ltr' | 'rtl' }> = { en: { dir: 'ltr' }, ar: { dir: 'rtl' } };

type Tree = { [key: string]: string | Tree };

/** Translations: src/locales/<language>/<area>.json, one file per area of the dashboard (a page adds its own file),
 *  each under the key of its file name: src/locales/en/sessions.json holds the keys `sessions.…`. PrimeReact's own
 *  strings (src/locales/ar/primereact.json) are PrimeReact's locale, not i18next keys: lib/primeLocale.ts. */
const files = import.meta.glob<Tree>(['../locales/*/*.json', '!../locales/*/primereact.json'], { eager: true, import: 'default' });

export function translations(): Record<Language, Tree> {
  const out: Record<Language, Tree> = { en: {}, ar: {} };
  for (const [path, tree] of Object.entries(files)) {
    const m = /\/locales\/([a-z]+)\/([\w-]+)\.json$/.exec(path);
    const [, lng, area] = m ?? [];
    if (!lng || !area) continue;
    if (!(lng in out)) throw new Error(`translations for an unknown language: ${path}`);
    out[lng as Language][area] = tree;
  }
  return out;
}

/** Sets <html lang dir> for the language: Arabic lays the whole page out right to left. */
export function applyDocumentLanguage(lng: Language) {
  document.documentElement.lang = lng;
  document.documentElement.dir = languages[lng].dir;
}

const all = translations();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: all.en }, ar: { translation: all.ar } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
