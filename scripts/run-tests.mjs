#!/usr/bin/env node
// Runs node's test runner over the project's test files, through tsx.
// usage: node scripts/run-tests.mjs unit|integration [extra files...]
//   unit:        **/test/**/*.test.ts, not *.int.test.ts   (pure, no sandbox)
//   integration: **/test/**/*.int.test.ts                  (needs the running sandbox; see scripts/test)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const which = process.argv[2] ?? 'unit';
const roots = ['packages', 'apps', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.includes('/test/') && name.endsWith('.test.ts')) {
      const isInt = name.endsWith('.int.test.ts');
      if ((which === 'integration') === isInt) files.push(relative(root, p));
    }
  }
}
for (const r of roots) walk(join(root, r));
files.sort();
if (files.length === 0) {
  console.error(`run-tests: no ${which} test files found`);
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-reporter=spec'];
if (which === 'integration') args.push('--test-concurrency=1');
const r = spawnSync(process.execPath, [...args, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
