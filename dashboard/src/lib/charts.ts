import { useTranslation } from 'react-i18next';
import type { Language } from '@/stores/ui';
import { languages } from './i18n';

/** The options of one Chart.js chart, as the app writes them (PrimeReact's Chart passes them to Chart.js as is). */
export type ChartOptions = {
  plugins?: { legend?: object; tooltip?: object; [plugin: string]: unknown };
  scales?: Record<string, ScaleOptions>;
  [option: string]: unknown;
};
type ScaleOptions = { axis?: 'x' | 'y' | 'r'; position?: unknown; reverse?: boolean; [option: string]: unknown };
type Direction = { rtl: boolean; textDirection: 'ltr' | 'rtl'; [option: string]: unknown };
/** What chartOptions adds to a chart's options. */
export type DirectedChartOptions = {
  locale: Language;
  plugins: { legend: Direction; tooltip: Direction; [plugin: string]: unknown };
  scales: Record<string, ScaleOptions>;
};

const languageOf = (lng: string): Language => (lng === 'ar' ? 'ar' : 'en');

/** Whether Chart.js lays a scale out horizontally: its `axis`, else its position, else its ID's first letter (the
 *  rule Chart.js itself uses to tell x scales from y scales). */
function horizontal(id: string, s: ScaleOptions) {
  if (s.axis) return s.axis === 'x';
  if (s.position === 'top' || s.position === 'bottom') return true;
  if (s.position === 'left' || s.position === 'right') return false;
  return id.startsWith('x');
}

/** The options of every chart of the app for the page's language: `options` with Chart.js's `locale` (its numbers
 *  are formatted with Intl in the app's language), and in Arabic drawn right to left: the legend and the tooltip
 *  right to left (`rtl`, `textDirection`), every horizontal scale reversed (the first category, or zero, on the
 *  right) and every vertical scale on the other side (the y axis on the right, a second axis on the left). In
 *  English the same keys say left to right, so a chart never keeps the other language's layout. A scale that is
 *  reversed on purpose stays reversed relative to the direction. Nothing in `options` is changed. */
export function chartOptions<T extends ChartOptions>(options: T, language: string): Omit<T, 'locale' | 'plugins' | 'scales'> & DirectedChartOptions {
  const lng = languageOf(language);
  const dir = languages[lng].dir;
  const rtl = dir === 'rtl';
  const flip = (p: unknown) => (p === 'right' ? 'left' : 'right');
  const scales: Record<string, ScaleOptions> = { x: {}, y: {}, ...options.scales };
  const mirrored = Object.fromEntries(Object.entries(scales).map(([id, s]) => {
    if (horizontal(id, s)) return [id, { ...s, reverse: !!s.reverse !== rtl }];
    const position = s.position ?? 'left';
    return [id, { ...s, position: rtl && (position === 'left' || position === 'right') ? flip(position) : position }];
  }));
  const plugins = options.plugins ?? {};
  return {
    ...options,
    locale: lng,
    plugins: {
      ...plugins,
      legend: { ...plugins.legend, rtl, textDirection: dir },
      tooltip: { ...plugins.tooltip, rtl, textDirection: dir },
    },
    scales: mirrored,
  };
}

/** A day of the API's reports (YYYY-MM-DD, a UTC day) as a chart's label in the language: "Dec 3" / "3 ديسمبر". */
export function dayLabel(day: string, language: string) {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(languageOf(language), { day: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

/** chartOptions and dayLabel in the page's current language, for a component that draws charts. */
export function useChartLocale() {
  const { i18n } = useTranslation();
  const lng = i18n.language;
  return {
    options: <T extends ChartOptions>(options: T) => chartOptions(options, lng),
    day: (d: string) => dayLabel(d, lng),
  };
}
