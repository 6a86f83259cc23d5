/**
 * Runs a TypeScript file of this project with a tiny swc require hook (no ts-node in the project):
 *   node bench/import/run.js                      # the bench (bench/import/import-bench.ts)
 *   node bench/import/run.js src/main.ts          # (used by the bench to start the api and the worker)
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const swc = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    // The app processes the bench starts skip source maps: their RSS should be the app's, not the compiler's.
    sourceMaps: process.env.BENCH_NO_SOURCE_MAPS ? false : 'inline',
  });
  module._compile(code, filename);
};

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
