// Runs the dashboard's browser specs (e2e/*.spec.mjs, or those named on the command line) one after the other,
// each in its own World (harness.mjs); exits non-zero when one fails.
//   WAQTOR_BIN=../build/waqtor node e2e/run.mjs [name.spec.mjs …]     (make test-dashboard builds both first)
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { World, artifacts, checkPrerequisites } from './harness.mjs';

checkPrerequisites();
const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const specs = readdirSync(dir).filter((f) => f.endsWith('.spec.mjs') && (wanted.length === 0 || wanted.includes(f))).sort();
if (specs.length === 0) throw new Error('no spec to run: ' + wanted.join(' '));
let failed = 0;
for (const spec of specs) {
  const began = Date.now();
  const world = new World(spec);
  let err;
  try {
    const { default: run } = await import(pathToFileURL(`${dir}/${spec}`).href);
    await run(world);
    if (world.pageErrors.length) throw new Error('errors in the page:\n' + world.pageErrors.join('\n'));
  } catch (e) {
    err = e;
  }
  await world.close(Boolean(err));
  if (err) {
    failed++;
    console.error(`FAIL ${spec} (${((Date.now() - began) / 1000).toFixed(1)} s):`, err);
  } else {
    console.log(`ok   ${spec} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
  }
}
console.log(failed ? `${failed} of ${specs.length} browser specs failed` : `${specs.length} browser specs passed; screenshots in ${artifacts}`);
process.exitCode = failed ? 1 : 0;
