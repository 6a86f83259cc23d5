import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRole } from '../../api-keys/api-key.entity';
import { ApiKeysService, Caller, roleAtLeast } from '../../api-keys/api-keys.service';
import { IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';

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

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { caller?: Caller }>();
    const key = presentedKey(req.headers.authorization);
    if (!key) throw new UnauthorizedException('An API key is required: Authorization: Bearer <key>');
    const caller = await this.apiKeys.authenticate(key);
    if (!caller) throw new UnauthorizedException('Unknown or revoked API key');
    const needed: ApiKeyRole =
      this.reflector.getAllAndOverride<ApiKeyRole>(REQUIRED_ROLE, targets) ??
      (req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'organizer');
    if (!roleAtLeast(caller.role, needed)) {
      throw new ForbiddenException(`This needs the ${needed} role; the key has ${caller.role}`);
    }
    req.caller = caller;
    return true;
  }
}
