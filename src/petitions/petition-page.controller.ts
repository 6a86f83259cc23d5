import { applyDecorators, Body, ConflictException, Controller, Get, HttpException, NotFoundException, Param, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiHtmlResponse, ApiSvgResponse } from '../core/docs/api-responses';
import type { FastifyReply } from 'fastify';
import { Public } from '../core/http/auth.decorators';
import { RequestValidationException } from '../core/http/validation';
import { bodySummary } from './petition-content';
import { FAVICON_SVG, PageMeta, renderMessagePage, renderPetitionPage, renderThankYouPage, TargetCard } from './petition-page';
import { PetitionPageExceptionFilter } from './petition-page.filter';
import { SignPetitionDto } from './dto/signature.dto';
import { Petition } from './petition.entity';
import { PetitionsService, ResolvedTarget } from './petitions.service';
import { ShareTokenService } from './share-links';
import { SettingsService } from '../settings/settings.service';
import { roleChangeNotice } from './petition-targets';
import { LeadershipRole, ROLE_LABELS } from '../legislators/leadership-roles';
import { organizationFooter, SignaturesService } from './signatures.service';
import { SigningRateLimitGuard } from './signing-rate-limit.guard';
import { isUuid } from '../core/http/uuid';

const REF = /^[A-Za-z0-9_.-]{1,64}$/;

/** One notice per role: the latest change (a role that moved twice reads as where it is now). */
function latestPerRole<T extends { role: string }>(moves: T[]): T[] {
  return [...new Map(moves.map((m) => [m.role, m])).values()];
}

/** The query a link to the page may carry (read by linkValues): the blast it came from and a referral code. */
const ApiLinkQueries = () =>
  applyDecorators(
    ApiQuery({ name: 'blast', type: String, required: false, description: 'The blast whose link was followed (kept if a UUID)' }),
    ApiQuery({ name: 'ref', type: String, required: false, description: 'A referral code (kept if 1–64 of A-Z a-z 0-9 _ . -)' }),
  );

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
    private readonly shareTokens: ShareTokenService,
  ) {}

  @Get(':slug')
  @ApiLinkQueries()
  @ApiHtmlResponse(200, 'The petition with its signing form')
  @ApiOperation({ operationId: 'showPetitionPage', summary: 'The hosted petition page (PET-3), with the signing form' })
  async show(@Param('slug') slug: string, @Query() query: Record<string, unknown>, @Res() reply: FastifyReply) {
    const petition = await this.find(slug, reply);
    if (!petition) return;
    return this.send(reply, 200, await this.page(petition, { values: linkValues(query) }));
  }

  /** The form alone, for a campaign's own site: framable only from the petition's embedOrigins. */
  @Get(':slug/embed')
  @ApiLinkQueries()
  @ApiHtmlResponse(200, 'The signing form alone, framable from the petition\'s embedOrigins (CSP frame-ancestors)')
  @ApiOperation({ operationId: 'showPetitionEmbed', summary: 'The embeddable petition form (framable only from the organizer\'s origins)' })
  async embed(@Param('slug') slug: string, @Query() query: Record<string, unknown>, @Res() reply: FastifyReply) {
    const petition = await this.find(slug, reply);
    if (!petition) return;
    this.allowFraming(reply, petition);
    return this.send(reply, 200, await this.page(petition, { values: linkValues(query), embed: true }));
  }

  /** A signer's personal page (the token is their share code and its MAC): their share links and their count. */
  @Get(':slug/thanks/:token')
  @ApiHtmlResponse(200, 'The signer\'s share links and how many signed through them')
  @ApiHtmlResponse(404, 'Unknown petition or a token that does not verify')
  @ApiOperation({ operationId: 'showPetitionPersonalPage', summary: 'A signer\'s personal thank-you page (token from the sign answer\'s share.personalUrl)' })
  async thanks(@Param('slug') slug: string, @Param('token') token: string, @Res() reply: FastifyReply) {
    const petition = await this.find(slug, reply);
    if (!petition) return;
    const code = this.shareTokens.verify(token);
    const signer = code ? await this.signatures.signerByShareCode(petition.id, code) : null;
    if (!code || !signer) {
      return this.send(reply, 404, renderMessagePage('Link not recognized', 'This personal link is not valid. Check that you copied all of it.', {
        href: `/p/${petition.slug}`, text: 'Go to the petition',
      }));
    }
    return this.send(
      reply,
      200,
      renderThankYouPage({
        slug: petition.slug,
        title: petition.title,
        firstName: signer.firstName ?? undefined,
        targets: [],
        signatureCount: await this.petitions.signatureCount(petition.id),
        goal: petition.goal,
        meta: this.meta(petition),
        share: this.signatures.shareStep(petition, code, await this.signatures.referralCount(signer.id)),
        footer: await this.footer(),
      }),
    );
  }

  /** The page's form and the embed's (`?embed=1`, answered framable) post here: one endpoint, one set of limits. */
  @Post(':slug')
  @UseGuards(SigningRateLimitGuard)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: SignPetitionDto })
  @ApiQuery({ name: 'embed', type: String, required: false, description: '1 when posted from the embed: the answers are framable like the embed' })
  @ApiHtmlResponse(200, 'Thank-you page')
  @ApiHtmlResponse(400, 'The form again, with every invalid field explained')
  @ApiHtmlResponse(409, 'The petition is closed (HTML page)')
  @ApiOperation({ operationId: 'submitPetitionPage', summary: 'Sign from the hosted page\'s form; answers the thank-you page, or the form again with its errors' })
  async submit(@Param('slug') slug: string, @Body() body: Record<string, unknown>, @Query('embed') embedFlag: unknown, @Res() reply: FastifyReply) {
    const petition = await this.find(slug, reply);
    if (!petition) return;
    const embed = embedFlag === '1';
    if (embed) this.allowFraming(reply, petition);
    const values = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    const { input, errors } = this.signatures.parseInput(values);
    if (!input) return this.send(reply, 400, await this.page(petition, { values, errors, embed }));
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
          meta: this.meta(petition),
          share: receipt.share,
          embed,
          footer: await this.footer(),
        }),
      );
    } catch (e) {
      if (e instanceof RequestValidationException) return this.send(reply, 400, await this.page(petition, { values, errors: e.details, embed }));
      if (e instanceof ConflictException) {
        return this.send(reply, 409, await this.page({ ...petition, status: 'closed' } as Petition, { closedMessage: e.message, embed }));
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

  private async page(
    petition: Petition,
    extra: { values?: Record<string, unknown>; errors?: { path: string; message: string }[]; closedMessage?: string; embed?: boolean },
  ) {
    // Re-rendered form values are what a form posts: strings (a JSON body could send objects the template can't show).
    const values: Record<string, unknown> = Object.fromEntries(
      Object.entries(extra.values ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean'),
    );
    values.optIn = values.optIn === true || (typeof values.optIn === 'string' && /^(1|true|yes|on)$/i.test(values.optIn));
    const meta = this.meta(petition);
    const [targets, signatureCount, recentSigners, footer] = await Promise.all([
      extra.embed ? Promise.resolve([]) : this.petitions.resolveTargets(petition),
      this.petitions.signatureCount(petition.id),
      petition.showRecentSigners && !extra.embed ? this.signatures.recentSigners(petition.id) : Promise.resolve([]),
      this.footer(),
    ]);
    return renderPetitionPage({
      slug: petition.slug,
      title: petition.title,
      lede: meta.description,
      bodyHtml: petition.bodyHtml,
      targets: targets.map(targetCard),
      notices: latestPerRole(await this.petitions.roleChanges(petition)).map(roleChangeNotice),
      signatureCount,
      goal: petition.goal,
      status: petition.status,
      optInText: petition.optInText,
      askState: petition.targets.some((t) => t.type === 'own_senators'),
      meta,
      recentSigners,
      embed: extra.embed,
      values,
      errors: extra.errors,
      closedMessage: extra.closedMessage,
      footer,
    });
  }

  /** Card wording: the organizer's share fields, else the title and the body's first paragraph. */
  private meta(petition: Petition): PageMeta {
    return {
      title: petition.shareTitle ?? petition.title,
      description: petition.shareDescription ?? (bodySummary(petition.bodyHtml) || petition.title),
      canonical: this.petitions.url(petition),
      imageUrl: petition.shareImageUrl,
      siteName: null,
    };
  }

  /**
   * Helmet refuses every frame (CSP frame-ancestors 'none', X-Frame-Options). The embed and the answers to its posts
   * name the organizer's origins instead; with none listed they stay unframable.
   */
  private allowFraming(reply: FastifyReply, petition: Petition) {
    const csp = String(reply.raw.getHeader('content-security-policy') ?? '');
    const ancestors = petition.embedOrigins.length ? petition.embedOrigins.join(' ') : "'none'";
    reply.raw.setHeader('content-security-policy', csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${ancestors}`));
    reply.raw.removeHeader('x-frame-options');
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

/** Link parameters ride along in hidden fields; malformed ones are dropped rather than failing the page. */
function linkValues(query: Record<string, unknown>) {
  return {
    blast: isUuid(query.blast) ? query.blast : undefined,
    referralCode: typeof query.ref === 'string' && REF.test(query.ref) ? query.ref : undefined,
  };
}

function targetCard(t: ResolvedTarget): TargetCard {
  if (t.type === 'own_senators') return { name: 'Your two U.S. senators', role: 'Found from your ZIP code' };
  // A vacant role (issue 19): the role is the card's name, and the card says what happens to the signatures.
  if (t.type === 'role' && !t.bioguideId && t.role) {
    return { name: ROLE_LABELS[t.role as LeadershipRole] ?? t.label, role: 'Vacant: signatures are delivered to whoever takes the role' };
  }
  if (t.name && t.label.startsWith(`${t.name}, `)) return { name: t.name, role: t.label.slice(t.name.length + 2) };
  return { name: t.label, role: null };
}

/** The neutral default favicon (no request for /favicon.ico ends in a 404 and a console error). */
@ApiTags('petition page')
@Public()
@Controller()
export class FaviconController {
  @Get('favicon.svg')
  @ApiSvgResponse('The neutral default icon (SVG)')
  @ApiOperation({ operationId: 'getFavicon', summary: 'The pages\' icon (an SVG)' })
  icon(@Res() reply: FastifyReply) {
    return reply.header('content-type', 'image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG);
  }

  /** Browsers ask for /favicon.ico on their own; the same SVG, so no 404 reaches the console. */
  @Get('favicon.ico')
  @ApiSvgResponse('The same SVG icon')
  @ApiOperation({ operationId: 'getFaviconIco', summary: 'The pages\' icon at the address browsers ask for' })
  iconIco(@Res() reply: FastifyReply) {
    return this.icon(reply);
  }

}
