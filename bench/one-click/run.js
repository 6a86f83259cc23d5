/**
 * Runs one-click-bench.ts with the swc require hook of bench/support/register.js:
 *   node bench/one-click/run.js [--seconds 10] [--connections 50]
 */
require('../support/register.js');

require('./one-click-bench.ts')
  .main()
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
