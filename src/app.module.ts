import { DynamicModule, Module } from '@nestjs/common';
import { Env } from './core/config/env';
import { CoreModule } from './core/core.module';
import { DOMAIN_MODULES } from './domain-modules';
import { PROCESSORS } from './worker.module';

/** Both roles in one process (`npm start`): the api's HTTP server and the worker's processors. */
@Module({})
export class AppModule {
  static forRoot(env: Env): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(env), ...DOMAIN_MODULES], providers: PROCESSORS };
  }
}
