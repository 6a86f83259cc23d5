/**
 * Lets `node -r ./bench/support/register.js bench/x/y.ts` run TypeScript bench scripts (no ts-node in the project):
 * compiles each .ts file with swc on load, decorators included.
 */
const { readFileSync } = require('node:fs');
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
    // BENCH_NO_SOURCE_MAPS: app processes a bench starts skip source maps, so their RSS is the app's, not the compiler's.
    sourceMaps: process.env.BENCH_NO_SOURCE_MAPS ? false : 'inline',
  });
  module._compile(code, filename);
};
