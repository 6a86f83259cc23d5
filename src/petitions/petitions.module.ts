import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DoubleOptInModule } from '../double-opt-in/double-opt-in.module';
import { LegislatorsModule } from '../legislators/legislators.module';
import { SettingsModule } from '../settings/settings.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { FaviconController, PetitionPageController } from './petition-page.controller';
import { PetitionReportsService } from './petition-reports.service';
import { PetitionSignature } from './petition-signature.entity';
import { Petition } from './petition.entity';
import { PetitionsController } from './petitions.controller';
import { PetitionsService } from './petitions.service';
import { PublicPetitionsController } from './public-petitions.controller';
import { RosterNoticesService } from './roster-notices.service';
import { ShareTokenService } from './share-links';
import { SignaturesService } from './signatures.service';
import { SigningRateLimitGuard } from './signing-rate-limit.guard';

/** Petitions to the Senate (PET-1..5): organizer CRUD and reports, public signing, the hosted page. */
@Module({
  imports: [TypeOrmModule.forFeature([Petition, PetitionSignature]), LegislatorsModule, SubscribersModule, DoubleOptInModule, SettingsModule],
  controllers: [PetitionsController, PublicPetitionsController, PetitionPageController, FaviconController],
  providers: [PetitionsService, SignaturesService, PetitionReportsService, SigningRateLimitGuard, RosterNoticesService, ShareTokenService],
  exports: [PetitionsService, SignaturesService],
})
export class PetitionsModule {}
