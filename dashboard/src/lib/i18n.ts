import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '@/locales/en.json';
import ar from '@/locales/ar.json';
import type { Language } from '@/stores/ui';

export const languages: Record<Language, { dir: 'ltr' | 'rtl' }> = { en: { dir: 'ltr' }, ar: { dir: 'rtl' } };

/** Sets <html lang dir> for the language: Arabic lays the whole page out right to left. */
export function applyDocumentLanguage(lng: Language) {
  document.documentElement.lang = lng;
  document.documentElement.dir = languages[lng].dir;
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ar: { translation: ar } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
