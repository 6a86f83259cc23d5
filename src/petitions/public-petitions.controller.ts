import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { IsOptional, Matches, IsUUID } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Public } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { PublicPetitionDto } from './dto/petition.dto';
import { SignatureReceiptDto, SignPetitionDto } from './dto/signature.dto';
import { PetitionsService } from './petitions.service';
import { SignaturesService } from './signatures.service';
import { SigningRateLimitGuard } from './signing-rate-limit.guard';

/** Link parameters a blast or a share link may add: `?blast=<blast id>&ref=<referral code>`. */
export class SignLinkQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Blast the signer came from' })
  @IsOptional()
  @IsUUID('all', { message: 'blast must be a blast id (uuid)' })
  blast?: string;

  @ApiPropertyOptional({ description: 'Referral code' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'ref must be 1-64 letters, digits, dot, dash or underscore' })
  ref?: string;
}

@ApiTags('public')
@Public()
@Controller('api/v1/public/petitions')
export class PublicPetitionsController {
  constructor(
    private readonly petitions: PetitionsService,
    private readonly signatures: SignaturesService,
  ) {}

  @Get(':slug')
  @ApiOperation({ summary: 'A petition for embeds: title, body, resolved targets, count, goal' })
  @ApiOkResponse({ type: PublicPetitionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('slug') slug: string) {
    return this.petitions.publicView(slug);
  }

  @Post(':slug/signatures')
  @HttpCode(201)
  @UseGuards(SigningRateLimitGuard)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'Sign a petition (JSON or form). Signing twice counts once; the answer is the same either way.',
  })
  @ApiCreatedResponse({ type: SignatureReceiptDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The petition is closed', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({ description: 'Too many signatures from this IP address', type: ErrorResponseDto })
  sign(@Param('slug') slug: string, @Body() dto: SignPetitionDto, @Query() link: SignLinkQueryDto) {
    return this.signatures.sign(slug, { ...dto, blast: dto.blast ?? link.blast, referralCode: dto.referralCode ?? link.ref });
  }
}
