#!/usr/bin/env node
// Runs node's test runner over the project's test files, through tsx.
// usage: node scripts/run-tests.mjs unit|integration|e2e
//   unit:        **/test/**/*.test.ts, not *.int.test.ts   (pure, no sandbox)
//   integration: **/test/**/*.int.test.ts                  (needs the sandbox; see scripts/test)
//   e2e:         e2e/tests/*.spec.ts                       (real server + sandbox + chromium)
// With TRACEMAP_TEST_COUNTS set, appends {which, pass, fail, skipped} to that file.
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2] ?? 'unit';
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (which === 'e2e') {
      if (name.endsWith('.spec.ts')) files.push(relative(root, p));
    } else if (p.includes('/test/') && name.endsWith('.test.ts')) {
      const isInt = name.endsWith('.int.test.ts');
      if ((which === 'integration') === isInt) files.push(relative(root, p));
    }
  }
}
for (const r of which === 'e2e' ? ['e2e/tests'] : ['packages', 'apps', 'bench']) {
  try {
    walk(join(root, r));
  } catch {
    /* folder absent */
  }
}
files.sort();
if (files.length === 0) {
  console.error(`run-tests: no ${which} test files found`);
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-reporter=spec'];
if (which !== 'unit') args.push('--test-concurrency=1');
const child = spawn(process.execPath, [...args, ...files], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
// node's spec reporter prints the totals, then repeats the failing tests: keep every line.
let all = '';
child.stdout.on('data', (d) => {
  process.stdout.write(d);
  all += d.toString();
});
child.on('close', (code) => {
  const n = (k) => Number([...all.matchAll(new RegExp(`^ℹ ${k} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  if (process.env.TRACEMAP_TEST_COUNTS) {
    appendFileSync(process.env.TRACEMAP_TEST_COUNTS, JSON.stringify({ which, pass: n('pass'), fail: n('fail') + n('cancelled'), skipped: n('skipped') }) + '\n');
  }
  process.exit(code ?? 1);
});
