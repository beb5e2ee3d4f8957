import { readFileSync } from 'node:fs';
import { pages } from './pages';
import { pagePaths } from './pagePaths';

test('dist/pages.json lists exactly the pages of the page list', () => {
  const source = readFileSync(new URL('./pages.tsx', import.meta.url), 'utf8');
  expect(pagePaths(source)).toEqual(pages.map((p) => p.path));
});
