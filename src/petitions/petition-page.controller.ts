import { Body, ConflictException, Controller, Get, HttpException, NotFoundException, Param, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiHtmlResponse } from '../core/docs/api-responses';
import type { FastifyReply } from 'fastify';
import { Public } from '../core/http/auth.decorators';
import { RequestValidationException } from '../core/http/validation';
import { renderMessagePage, renderPetitionPage, renderThankYouPage } from './petition-page';
import { PetitionPageExceptionFilter } from './petition-page.filter';
import { SignPetitionDto } from './dto/signature.dto';
import { Petition } from './petition.entity';
import { PetitionsService } from './petitions.service';
import { SettingsService } from '../settings/settings.service';
import { roleChangeNotice } from './petition-targets';
import { organizationFooter, SignaturesService } from './signatures.service';
import { SigningRateLimitGuard } from './signing-rate-limit.guard';
import { isUuid } from '../core/http/uuid';

const REF = /^[A-Za-z0-9_.-]{1,64}$/;

/** One notice per role: the latest change (a role that moved twice reads as where it is now). */
function latestPerRole<T extends { role: string }>(moves: T[]): T[] {
  return [...new Map(moves.map((m) => [m.role, m])).values()];
}

/** The hosted petition page (PET-3): GET shows it, the form POSTs back to the same address. */
@ApiTags('petition page')
@ApiHtmlResponse(404, 'No petition at this address (HTML page)')
@ApiHtmlResponse(429, 'Too many signatures from this network (HTML page, with Retry-After)')
@Public()
@UseFilters(PetitionPageExceptionFilter)
@Controller('p')
export class PetitionPageController {
  constructor(
    private readonly petitions: PetitionsService,
    private readonly signatures: SignaturesService,
    private readonly settings: SettingsService,
  ) {}

  @Get(':slug')
  @ApiQuery({ name: 'blast', type: String, required: false, description: 'The blast whose link was followed (kept if a UUID)' })
  @ApiQuery({ name: 'ref', type: String, required: false, description: 'A referral code (kept if 1–64 of A-Z a-z 0-9 _ . -)' })
  @ApiHtmlResponse(200, 'The petition with its signing form')
  @ApiOperation({ operationId: 'showPetitionPage', summary: 'The hosted petition page (PET-3), with the signing form' })
  async show(@Param('slug') slug: string, @Query() query: Record<string, unknown>, @Res() reply: FastifyReply) {
    const petition = await this.find(slug, reply);
    if (!petition) return;
    // Link parameters ride along in hidden fields; malformed ones are dropped rather than failing the page.
    const values = {
      blast: isUuid(query.blast) ? query.blast : undefined,
      referralCode: typeof query.ref === 'string' && REF.test(query.ref) ? query.ref : undefined,
    };
    return this.send(reply, 200, await this.page(petition, { values }));
  }

  @Post(':slug')
  @UseGuards(SigningRateLimitGuard)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: SignPetitionDto })
  @ApiHtmlResponse(200, 'Thank-you page')
  @ApiHtmlResponse(400, 'The form again, with every invalid field explained')
  @ApiHtmlResponse(409, 'The petition is closed (HTML page)')
  @ApiOperation({ operationId: 'submitPetitionPage', summary: 'Sign from the hosted page\'s form; answers the thank-you page, or the form again with its errors' })
  async submit(@Param('slug') slug: string, @Body() body: Record<string, unknown>, @Res() reply: FastifyReply) {
    const petition = await this.find(slug, reply);
    if (!petition) return;
    const values = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    const { input, errors } = this.signatures.parseInput(values);
    if (!input) return this.send(reply, 400, await this.page(petition, { values, errors }));
    try {
      const receipt = await this.signatures.sign(slug, input);
      return this.send(
        reply,
        200,
        renderThankYouPage({
          slug: petition.slug,
          title: petition.title,
          firstName: input.firstName,
          targets: receipt.targets,
          ownMessage: receipt.ownSenators?.message,
          signatureCount: receipt.signatureCount,
          goal: receipt.goal,
          footer: await this.footer(),
        }),
      );
    } catch (e) {
      if (e instanceof RequestValidationException) return this.send(reply, 400, await this.page(petition, { values, errors: e.details }));
      if (e instanceof ConflictException) {
        return this.send(reply, 409, await this.page({ ...petition, status: 'closed' } as Petition, { closedMessage: e.message }));
      }
      if (e instanceof NotFoundException) return this.notFound(reply);
      if (e instanceof HttpException) throw e;
      throw e;
    }
  }

  private async find(slug: string, reply: FastifyReply): Promise<Petition | null> {
    try {
      return await this.petitions.getBySlug(slug);
    } catch (e) {
      if (e instanceof NotFoundException) {
        this.notFound(reply);
        return null;
      }
      throw e;
    }
  }

  private async page(petition: Petition, extra: { values?: Record<string, unknown>; errors?: { path: string; message: string }[]; closedMessage?: string }) {
    // Re-rendered form values are what a form posts: strings (a JSON body could send objects the template can't show).
    const values: Record<string, unknown> = Object.fromEntries(
      Object.entries(extra.values ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean'),
    );
    values.optIn = values.optIn === true || (typeof values.optIn === 'string' && /^(1|true|yes|on)$/i.test(values.optIn));
    return renderPetitionPage({
      slug: petition.slug,
      title: petition.title,
      bodyHtml: petition.bodyHtml,
      targets: await this.petitions.resolveTargets(petition),
      notices: latestPerRole(await this.petitions.roleChanges(petition)).map(roleChangeNotice),
      signatureCount: await this.petitions.signatureCount(petition.id),
      goal: petition.goal,
      status: petition.status,
      optInText: petition.optInText,
      askState: petition.targets.some((t) => t.type === 'own_senators'),
      values,
      errors: extra.errors,
      closedMessage: extra.closedMessage,
      footer: await this.footer(),
    });
  }

  private async footer(): Promise<string[]> {
    return organizationFooter(await this.settings.get());
  }

  private notFound(reply: FastifyReply) {
    return this.send(reply, 404, renderMessagePage('Petition not found', 'There is no petition at this address. Check the link you followed.'));
  }

  private send(reply: FastifyReply, status: number, html: string) {
    return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }
}
