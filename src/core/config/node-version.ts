/**
 * Imported first by every entrypoint, before anything else is loaded: Cloture's dependencies (NestJS 12 and others)
 * are ES modules that the compiled CommonJS code loads with `require()`, which Node.js does by default from 20.19 and
 * 22.12 (`process.features.require_module`). An older Node would otherwise die on the first import with
 * ERR_REQUIRE_ESM and a stack trace; this says what to install instead. No imports here: they could be ESM.
 */
export const SUPPORTED_NODE = '^20.19.0 || >=22.12.0';

if (process.features.require_module !== true) {
  const disabled = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--no-experimental-require-module');
  process.stderr.write(
    `Cloture needs Node.js ${SUPPORTED_NODE}: it loads ES modules with require(), which this Node.js ${process.version} ` +
      (disabled ? 'was told not to do (remove --no-experimental-require-module).\n' : 'cannot do. Install Node.js 20.19 or later.\n'),
  );
  process.exit(1);
}
