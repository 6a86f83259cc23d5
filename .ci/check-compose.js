// Structural checks of docker-compose.yml, the Dockerfile and .dockerignore, runnable without a Docker engine
// (issue 12 item 11). Exits 1 naming every problem.
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');

const root = path.join(__dirname, '..');
const read = (f) => fs.readFileSync(path.join(root, f), 'utf8');
const problems = [];
const expect = (ok, message) => ok || problems.push(message);

// YAML 1.1 schema: it resolves merge keys (<<: *app-env), as Compose does.
const compose = yaml.load(read('docker-compose.yml'), { schema: yaml.YAML11_SCHEMA });
const services = compose.services ?? {};
for (const s of ['postgres', 'redis', 'mailpit', 'api', 'worker']) expect(services[s], `missing service ${s}`);
const { api = {}, worker = {}, mailpit = {} } = services;

// Secrets: required, never defaulted (a default in this public file is a published secret).
for (const [name, service] of [['api', api], ['worker', worker]]) {
  const value = String((service.environment ?? {}).TOKEN_SECRET ?? '');
  expect(/^\$\{TOKEN_SECRET:\?[^}]+\}$/.test(value), `${name}: TOKEN_SECRET must be required with no default ("\${TOKEN_SECRET:?message}"), found "${value}"`);
}

// The worker's health check must be able to fail: it runs the heartbeat check, not a constant.
const test = [].concat(worker.healthcheck?.test ?? []).join(' ');
expect(!worker.healthcheck?.disable && test && !/^NONE$/.test(test), 'worker: a healthcheck is required');
expect(/dist\/worker-health\.js/.test(test), `worker: the healthcheck must run dist/worker-health.js, found "${test}"`);
expect(fs.existsSync(path.join(root, 'src/worker-health.ts')), 'src/worker-health.ts (the worker health check) is missing');
expect(!/process\.exit\(0\)|\bexit 0\b|^(CMD(-SHELL)? )?true$/.test(test), `worker: the healthcheck cannot fail: "${test}"`);

// One image, built once.
expect(api.image && api.image === worker.image, 'api and worker must run the same image (image: cloture:local)');
expect([api, worker].filter((s) => s.build).length === 1, 'exactly one of api and worker builds the image');

// Third-party images pinned to a version.
for (const [name, service] of Object.entries(services)) {
  if (!service.image || service.build || service.image === api.image) continue;
  expect(/:[^:/]+$/.test(service.image) && !/:latest$/.test(service.image), `${name}: pin the image to a version, found "${service.image}"`);
}
expect(/^axllent\/mailpit:v\d+\.\d+/.test(mailpit.image ?? ''), `mailpit: expected a pinned axllent/mailpit:vX.Y, found "${mailpit.image}"`);

const dockerfile = read('Dockerfile');
expect(/^ENV .*NODE_OPTIONS=--disable-proto=throw/m.test(dockerfile), 'Dockerfile: the runtime image must set NODE_OPTIONS=--disable-proto=throw');
const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
for (const entry of ['.git', 'node_modules', 'dist', '.env', 'var', 'test', 'bench']) expect(ignored.includes(entry), `.dockerignore: ${entry} must be excluded`);

if (problems.length) {
  console.error(`docker setup problems:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log('docker-compose.yml, Dockerfile and .dockerignore pass their checks');
