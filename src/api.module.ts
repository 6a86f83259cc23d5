import { DynamicModule, Module } from '@nestjs/common';
import { Env } from './core/config/env';
import { CoreModule } from './core/core.module';
import { DOMAIN_MODULES } from './domain-modules';

/** The HTTP role: core + domain modules. Never lists a queue processor (jobs only run on workers). */
@Module({})
export class ApiModule {
  static forRoot(env: Env): DynamicModule {
    return { module: ApiModule, imports: [CoreModule.forRoot(env), ...DOMAIN_MODULES] };
  }
}
