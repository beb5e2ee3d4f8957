/** The paths of the page list, read from the source of src/app/pages.tsx (`path: '…'` of each line, in any
 *  quotes). The build writes them to dist/pages.json (vite.config.ts), so the browser tests visit every page without a list of their
 *  own; src/app/pagePaths.test.ts checks this reading equals `pages.map((p) => p.path)`. */
export function pagePaths(source: string): string[] {
  return [...source.matchAll(/\bpath:\s*(['"`])(.*?)\1/g)].map((m) => m[2] ?? '');
}
