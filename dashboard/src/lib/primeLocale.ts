import { addLocale, locale, type LocaleOptions } from 'primereact/api';
import ar from '@/locales/ar/primereact.json';
import type { Language } from '@/stores/ui';

/** The strings PrimeReact renders itself (Password's toggle, Calendar's month and day names, empty messages,
 *  Paginator's and InputOtp's aria labels, FileUpload's and ConfirmDialog's buttons…), in the app's languages.
 *  English is PrimeReact's built-in locale. Arabic (src/locales/ar/primereact.json, every key of PrimeReact's
 *  English locale: primeLocale.test.ts compares it with the installed PrimeReact's) is registered here, once, when
 *  the module loads. It is PrimeReact's locale, not i18next keys (lib/i18n.ts leaves the file out). */
addLocale('ar', ar as LocaleOptions);

/** Makes `lng` PrimeReact's current locale: what its components read as they render (localeOption, ariaLabel).
 *  Called by the provider (src/app/provider.tsx) whenever the app's language changes, with the provider's context
 *  locale, which makes them render again. */
export function applyPrimeLocale(lng: Language) {
  locale(lng);
}
