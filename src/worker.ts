import './core/config/node-version';
import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadEnvOrExit } from './core/config/env';
import { armShutdownDeadline, prepareOrExit } from './core/lifecycle';
import { installProcessLogging, setProcessLogLevel } from './core/logging/logging';
import { WorkerModule } from './worker.module';

/** The worker role: queue consumers only, no HTTP server. Run as many as you like against one Redis and PostgreSQL. */
async function bootstrap() {
  installProcessLogging();
  const env = loadEnvOrExit();
  setProcessLogLevel(env.LOG_LEVEL);
  await prepareOrExit(env);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(env), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  armShutdownDeadline(env);
  await app.init();
  new NestLogger('Worker').log('Cloture worker started');
}

void bootstrap();
