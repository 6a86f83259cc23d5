/**
 * Runs petition-sign-bench.ts with the swc require hook of bench/support/register.js:
 *   node bench/petition-sign/run.js [--seconds 10] [--connections 50]
 */
require('../support/register.js');

require('./petition-sign-bench.ts')
  .main()
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
