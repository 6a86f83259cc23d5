import {
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Header,
  HttpCode,
  Injectable,
  NestInterceptor,
  Options,
  Param,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Public } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { PublicPetitionDto } from './dto/petition.dto';
import { SignatureReceiptDto, SignLinkQueryDto, SignPetitionDto } from './dto/signature.dto';
import { PetitionsService } from './petitions.service';
import { SignaturesService } from './signatures.service';
import { SigningRateLimitGuard } from './signing-rate-limit.guard';

/** Set before validation runs, so an embed can read the 400/409 answers too. */
@Injectable()
class AllowAnyOriginInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    ctx.switchToHttp().getResponse<FastifyReply>().header('Access-Control-Allow-Origin', '*');
    return next.handle();
  }
}

/**
 * Embeds on other sites read and sign with fetch(): the answers allow any origin (no credentials are involved —
 * these routes take no cookie and no key).
 */
@ApiTags('public')
@Public()
@UseInterceptors(AllowAnyOriginInterceptor)
@Controller('api/v1/public/petitions')
export class PublicPetitionsController {
  constructor(
    private readonly petitions: PetitionsService,
    private readonly signatures: SignaturesService,
  ) {}

  @Get(':slug')
  @ApiOperation({ operationId: 'getPublicPetition', summary: 'A petition for embeds: title, body, resolved targets, count, goal' })
  @ApiOkResponse({ type: PublicPetitionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('slug') slug: string) {
    return this.petitions.publicView(slug);
  }

  @Options(':slug/signatures')
  @ApiParam({ name: 'slug', type: String })
  @HttpCode(204)
  @Header('Access-Control-Allow-Methods', 'POST')
  @Header('Access-Control-Allow-Headers', 'content-type')
  @Header('Access-Control-Max-Age', '86400')
  @ApiOperation({ operationId: 'preflightSignPetition', summary: 'CORS preflight for signing from an embed on another site' })
  preflight() {
    return undefined;
  }

  @Post(':slug/signatures')
  @HttpCode(201)
  @UseGuards(SigningRateLimitGuard)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({
    operationId: 'signPetition',
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
