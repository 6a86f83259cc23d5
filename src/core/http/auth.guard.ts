import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException, UnsupportedMediaTypeException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyRole } from '../../api-keys/api-key.entity';
import { ApiKeysService, roleAtLeast } from '../../api-keys/api-keys.service';
import { CSRF_HEADER, clearedCookieOptions, SESSION_COOKIE } from '../../users/session-cookie';
import { SessionsService } from '../../users/sessions.service';
import { Env } from '../config/env';
import { ACCEPTED_BODY_TYPES, IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';
import type { Caller } from './caller';

/** What organizer routes take, unless a route says otherwise with @AcceptsBody. */
const JSON_ONLY = ['application/json'];
/** Methods whose body, if any, is ignored: they change nothing. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The media type of a Content-Type header, lower-cased and without parameters; null when absent or blank. */
export function mediaTypeOf(header: string | undefined): string | null {
  return header?.split(';')[0].trim().toLowerCase() || null;
}

/** Reads `Authorization: Bearer <key>` (or Basic with the key as password, for the queue dashboard in a browser). */
export function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return value.trim();
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : null;
  }
  return null;
}

/**
 * Who may call an organizer route: a machine with `Authorization: Bearer <API key>`, or a person with the console's
 * session cookie. Cookie writes must echo the session's CSRF token in X-CSRF-Token (a page on another site cannot
 * read it); key requests need none (a browser never adds that header on its own). Then the role, then the body type.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: SessionsService,
    private readonly env: Env,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      // Public routes that declare their body types (sign-in) hold them too: a cross-site form cannot post JSON.
      if (this.reflector.getAllAndOverride<string[] | undefined>(ACCEPTED_BODY_TYPES, targets)) this.refuseUnacceptedBody(req, targets);
      return true;
    }
    const caller = await this.identify(req, ctx.switchToHttp().getResponse<FastifyReply>());
    const needed: ApiKeyRole =
      this.reflector.getAllAndOverride<ApiKeyRole>(REQUIRED_ROLE, targets) ??
      (req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'organizer');
    if (!roleAtLeast(caller.role, needed)) {
      throw new ForbiddenException(`This needs the ${needed} role; ${caller.session ? 'your account' : 'the key'} has ${caller.role}`);
    }
    req.caller = caller;
    this.refuseUnacceptedBody(req, targets);
    return true;
  }

  /** The caller behind the key or the cookie (a key wins when both come), else 401; a cookie write without CSRF: 403. */
  private async identify(req: FastifyRequest, reply: FastifyReply): Promise<Caller> {
    const key = presentedKey(req.headers.authorization);
    if (key) {
      const caller = await this.apiKeys.authenticate(key);
      if (!caller) throw new UnauthorizedException('Unknown or revoked API key');
      return caller;
    }
    const cookie = (req as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
    if (!cookie) throw new UnauthorizedException('Sign in to the console, or send an API key: Authorization: Bearer <key>');
    const caller = await this.sessions.authenticate(cookie);
    if (!caller) {
      reply.clearCookie(SESSION_COOKIE, clearedCookieOptions(this.env));
      throw new UnauthorizedException('Your session has ended (signed out, expired or disabled); sign in again');
    }
    if (!READ_METHODS.has(req.method) && !SessionsService.csrfMatches(caller.session, req.headers[CSRF_HEADER])) {
      throw new ForbiddenException('Missing or wrong X-CSRF-Token header (from the sign-in or GET /api/v1/auth/session answer)');
    }
    return caller;
  }

  /**
   * Organizer routes take JSON (issue 12 item 14): an HTML form on another site can send urlencoded, multipart or
   * text/plain bodies without a CORS preflight, JSON it cannot — so once browsers hold credentials for this API, no
   * foreign page can drive it. Checked here, before any pipe or handler reads the body, so nothing is written.
   * Public routes (petition signing, token pages, webhooks) keep their own types and never get here.
   */
  private refuseUnacceptedBody(req: FastifyRequest, targets: Parameters<Reflector['getAllAndOverride']>[1]): void {
    if (READ_METHODS.has(req.method)) return;
    const type = mediaTypeOf(req.headers['content-type']);
    if (type === null) return;
    const accepted = this.reflector.getAllAndOverride<string[] | undefined>(ACCEPTED_BODY_TYPES, targets) ?? JSON_ONLY;
    if (!accepted.includes(type)) {
      throw new UnsupportedMediaTypeException(`This endpoint takes ${accepted.join(' or ')} bodies only`);
    }
  }
}
