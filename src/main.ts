import './core/config/node-version';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ApiModule } from './api.module';
import { AppModule } from './app.module';
import { loadEnvOrExit } from './core/config/env';
import { createHttpApp } from './core/http/create-http-app';
import { armShutdownDeadline, prepareOrExit } from './core/lifecycle';
import { installProcessLogging, setProcessLogLevel } from './core/logging/logging';

/** The api role; with --with-worker (npm start) the same process also runs every queue processor. */
async function bootstrap() {
  installProcessLogging();
  const env = loadEnvOrExit();
  setProcessLogLevel(env.LOG_LEVEL);
  const withWorker = process.argv.includes('--with-worker');
  await prepareOrExit(env);
  const app = await createHttpApp(withWorker ? AppModule.forRoot(env) : ApiModule.forRoot(env), env);
  armShutdownDeadline(env);
  await app.listen({ port: env.PORT, host: env.HOST });
  new Logger('Main').log(`Cloture ${withWorker ? 'api + worker' : 'api'} listening on http://${env.HOST}:${env.PORT} (docs at /docs)`);
}

void bootstrap();
