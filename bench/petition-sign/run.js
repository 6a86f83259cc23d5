/**
 * Runs petition-sign-bench.ts with a tiny swc require hook (no ts-node in the project):
 *   node bench/petition-sign/run.js [--seconds 10] [--connections 50]
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
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

require('./petition-sign-bench.ts')
  .main()
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
