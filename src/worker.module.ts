import { DynamicModule, Module, Provider } from '@nestjs/common';
import { Env } from './core/config/env';
import { CoreModule } from './core/core.module';
import { MailProcessor } from './core/mail/mail.processor';
import { DOMAIN_MODULES } from './domain-modules';
import { OptInReminderProcessor } from './double-opt-in/double-opt-in.processor';
import { ImportsProcessor } from './subscribers/import/imports.processor';
import { BlastReconciler } from './blasts/blast-reconciler';
import { BlastSenderService } from './blasts/blast-sender.service';
import { BlastsProcessor } from './blasts/blasts.processor';
import { WorkerLeaseService } from './blasts/worker-lease.service';
import { RosterRefreshProcessor } from './legislators/roster-refresh.processor';
import { RosterRefreshScheduler } from './legislators/roster-refresh.scheduler';

/**
 * Every queue consumer, and what only a worker runs (the blast send loop and its lease). Registered only where jobs
 * should run: the worker role, or `npm start` (both roles).
 */
export const PROCESSORS: Provider[] = [
  MailProcessor,
  ImportsProcessor,
  BlastsProcessor,
  BlastReconciler,
  BlastSenderService,
  WorkerLeaseService,
  OptInReminderProcessor,
  RosterRefreshProcessor,
  RosterRefreshScheduler,
];

/** The worker role: core + domain modules + every processor, no HTTP server. */
@Module({})
export class WorkerModule {
  static forRoot(env: Env): DynamicModule {
    return { module: WorkerModule, imports: [CoreModule.forRoot(env), ...DOMAIN_MODULES], providers: PROCESSORS };
  }
}
