/**
 * Runs bounce-webhook-bench.ts with the swc require hook of bench/support/register.js:
 *   node bench/bounces/run.js [--seconds 10] [--connections 20] [--subscribers 200000]
 */
require('../support/register.js');

require('./bounce-webhook-bench.ts')
  .main()
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
