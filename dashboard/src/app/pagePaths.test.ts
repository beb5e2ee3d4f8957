import { readFileSync } from 'node:fs';
import { pages } from './pages';
import { pagePaths } from './pagePaths';

test('dist/pages.json lists exactly the pages of the page list', () => {
  const source = readFileSync('src/app/pages.tsx', 'utf8') // vitest runs in dashboard/;
  expect(pagePaths(source)).toEqual(pages.map((p) => p.path));
});

test('paths in any quotes, one per page line', () => {
  const source = `{ path: '/', label: 'a' },\n  { path: "/settings", label: "b" },\n  { path: \`/about\`, label: 'c' },`;
  expect(pagePaths(source)).toEqual(['/', '/settings', '/about']);
});
