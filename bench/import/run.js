/**
 * Runs a TypeScript file of this project with the swc require hook of bench/support/register.js:
 *   node bench/import/run.js                      # the bench (bench/import/import-bench.ts)
 *   node bench/import/run.js src/main.ts          # (used by the bench to start the api and the worker)
 */
const { resolve } = require('node:path');
require('../support/register.js');

const target = process.argv[2] && process.argv[2].endsWith('.ts') ? resolve(process.argv[2]) : null;
if (target) {
  require(target);
} else {
  require('./import-bench.ts')
    .main()
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
