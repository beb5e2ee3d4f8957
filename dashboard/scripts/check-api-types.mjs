// Fails when src/lib/api/schema.d.ts is not what openapi-typescript generates from ../docs/openapi.yaml now.
// Fix with `npm run gen:api` and commit the result.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'src/lib/api/schema.d.ts');
const dir = mkdtempSync(join(tmpdir(), 'waqtor-api-types-'));
try {
  const fresh = join(dir, 'schema.d.ts');
  execFileSync(process.execPath, [join(root, 'node_modules/openapi-typescript/bin/cli.js'),
    join(root, '../docs/openapi.yaml'), '-o', fresh], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error('src/lib/api/schema.d.ts is stale: docs/openapi.yaml changed. Run `npm run gen:api` in dashboard/ and commit.');
    process.exit(1);
  }
  console.log('API types are up to date with docs/openapi.yaml');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
