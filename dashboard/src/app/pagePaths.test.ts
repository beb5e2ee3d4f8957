import { readFileSync } from 'node:fs';
import { pages } from './pages';
import { pagePaths } from './pagePaths';

test('dist/pages.json lists exactly the pages of the page list', () => {
  const source = readFileSync('src/app/pages.tsx', 'utf8') // vitest runs in dashboard/;
  expect(pagePaths(source)).toEqual(pages.map((p) => p.path));
});
