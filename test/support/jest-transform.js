/**
 * NestJS 12 ships as ES modules, which Jest on Node 20 cannot require. Node itself can (the built app runs them
 * natively), so only the tests need this: swc compiles our TypeScript and those ESM packages to CommonJS, after
 * rewriting the two ESM-only idioms they use (`createRequire(import.meta.url)` and `import.meta.resolve`).
 */
const { createTransformer } = require('@swc/jest');

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const ts = createTransformer(swcOptions);
const js = createTransformer({ ...swcOptions, jsc: { ...swcOptions.jsc, parser: { syntax: 'ecmascript' } }, sourceMaps: false });

// The second branch catches minified bundles (marked: `…;export{a as b}` on the last line).
const ESM_SYNTAX = /^\s*(import\s*[\w{*'"]|export\s+(\{|\*|default|const|let|var|function|class|async))|[;}]export\s*\{/m;

function rewriteImportMeta(src) {
  return src
    .replace(/^const require = createRequire\(import\.meta\.url\);?$/gm, '')
    .replace(/createRequire\(import\.meta\.url\)/g, 'require')
    .replace(/import\.meta\.resolve\(/g, 'require.resolve(')
    .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href")
    .replace(/import\.meta\.dirname/g, '__dirname')
    .replace(/import\.meta\.filename/g, '__filename');
}

module.exports = {
  canInstrument: false,
  process(src, filename, options) {
    if (filename.endsWith('.ts')) return ts.process(src, filename, options);
    // CommonJS files pass through untouched; only ES modules are compiled.
    if (!ESM_SYNTAX.test(src)) return { code: src };
    return js.process(rewriteImportMeta(src), filename, options);
  },
  getCacheKey(src, filename, options) {
    return `v2:${ts.getCacheKey(src, filename, options)}`;
  },
};
