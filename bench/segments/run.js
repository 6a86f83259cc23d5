/**
 * Runs segments-bench.ts with the swc require hook of bench/support/register.js:
 *   node bench/segments/run.js [--reseed] [--runs 9]
 */
require('../support/register.js');

require('./segments-bench.ts')
  .main()
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
