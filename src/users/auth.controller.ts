import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Env } from '../core/config/env';
import { AcceptsBody, ApiKeyAuth, Public, Roles } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { AuthService, SignedIn } from './auth.service';
import { CurrentPerson } from './current-person.decorator';
import { AcceptInviteDto, ChangePasswordDto, LoginDto, SessionDto, TotpCodeDto, TotpSetupDto } from './dto/auth.dto';
import { clearedCookieOptions, SESSION_COOKIE, sessionCookieOptions } from './session-cookie';
import type { SessionCaller } from './sessions.service';
import { SessionsService } from './sessions.service';

const Errors = { type: ErrorResponseDto };

/**
 * Signing in to the console and managing one's own account. Sign-in and the welcome link are public; the rest needs
 * the session cookie (and X-CSRF-Token on writes). Every route answers in the JSON error envelope.
 */
@ApiTags('auth')
@ApiKeyAuth()
@Roles('viewer')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly env: Env,
  ) {}

  @Post('login')
  @Public()
  @AcceptsBody('application/json')
  @HttpCode(200)
  @ApiOperation({ operationId: 'logIn', summary: 'Sign in with address and password (and a TOTP code when on); sets the session cookie' })
  @ApiOkResponse({ type: SessionDto, description: 'Signed in; Set-Cookie carries cloture_session' })
  @ApiBadRequestResponse(Errors)
  @ApiUnauthorizedResponse({ ...Errors, description: 'Wrong email or password; or a TOTP code is needed or wrong (details[0].path = "totp")' })
  @ApiUnsupportedMediaTypeResponse(Errors)
  @ApiTooManyRequestsResponse({ ...Errors, description: 'Too many attempts for this account or address; see Retry-After' })
  async login(@Body() dto: LoginDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionDto> {
    return this.setCookie(reply, await this.auth.login(dto.email, dto.password, dto.totp, req.ip));
  }

  @Post('accept-invite')
  @Public()
  @AcceptsBody('application/json')
  @HttpCode(200)
  @ApiOperation({ operationId: 'acceptInvite', summary: 'Set a password with the invitation link\'s token (once) and sign in' })
  @ApiOkResponse({ type: SessionDto, description: 'Signed in; Set-Cookie carries cloture_session' })
  @ApiBadRequestResponse({ ...Errors, description: 'Invalid, used or expired token (details[0].path = "token"), or a bad password' })
  @ApiUnsupportedMediaTypeResponse(Errors)
  @ApiTooManyRequestsResponse(Errors)
  async acceptInvite(@Body() dto: AcceptInviteDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionDto> {
    return this.setCookie(reply, await this.auth.acceptInvite(dto.token, dto.password, dto.name));
  }

  @Get('session')
  @ApiOperation({ operationId: 'getSession', summary: 'Who is signed in, and the CSRF token to send with writes' })
  @ApiOkResponse({ type: SessionDto })
  session(@CurrentPerson() person: SessionCaller): SessionDto {
    return AuthService.person(person);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ operationId: 'logOut', summary: 'Sign out of this browser (the session ends, the cookie is cleared)' })
  @ApiNoContentResponse()
  async logout(@CurrentPerson() person: SessionCaller, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.revoke(person.session.idHash);
    reply.clearCookie(SESSION_COOKIE, clearedCookieOptions(this.env));
  }

  @Post('logout-everywhere')
  @HttpCode(204)
  @ApiOperation({ operationId: 'logOutEverywhere', summary: 'Sign out of every browser and device, this one included' })
  @ApiNoContentResponse()
  async logoutEverywhere(@CurrentPerson() person: SessionCaller, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.revokeAll(person.userId);
    reply.clearCookie(SESSION_COOKIE, clearedCookieOptions(this.env));
  }

  @Post('password')
  @HttpCode(204)
  @ApiOperation({ operationId: 'changePassword', summary: 'Change the password (12-256 characters); every other session ends' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ ...Errors, description: 'Current password wrong (details[0].path = "currentPassword") or new one too short/long' })
  @ApiTooManyRequestsResponse(Errors)
  async changePassword(@CurrentPerson() person: SessionCaller, @Body() dto: ChangePasswordDto, @Req() req: FastifyRequest): Promise<void> {
    await this.auth.changePassword(person, dto.currentPassword, dto.newPassword, req.ip);
  }

  @Post('totp/setup')
  @HttpCode(200)
  @ApiOperation({ operationId: 'setUpTotp', summary: 'Start turning on two-factor sign-in: a new secret for an authenticator app' })
  @ApiOkResponse({ type: TotpSetupDto })
  @ApiConflictResponse({ ...Errors, description: 'Already on' })
  totpSetup(@CurrentPerson() person: SessionCaller): Promise<TotpSetupDto> {
    return this.auth.totpSetup(person);
  }

  @Post('totp/enable')
  @HttpCode(200)
  @ApiOperation({ operationId: 'enableTotp', summary: 'Turn on two-factor sign-in with a code from the new secret' })
  @ApiOkResponse({ type: SessionDto })
  @ApiBadRequestResponse({ ...Errors, description: 'Wrong code (details[0].path = "code")' })
  @ApiConflictResponse({ ...Errors, description: 'Already on, or no setup started' })
  @ApiTooManyRequestsResponse(Errors)
  totpEnable(@CurrentPerson() person: SessionCaller, @Body() dto: TotpCodeDto, @Req() req: FastifyRequest): Promise<SessionDto> {
    return this.auth.totpEnable(person, dto.code, req.ip);
  }

  @Post('totp/disable')
  @HttpCode(200)
  @ApiOperation({ operationId: 'disableTotp', summary: 'Turn off two-factor sign-in (needs a current code)' })
  @ApiOkResponse({ type: SessionDto })
  @ApiBadRequestResponse({ ...Errors, description: 'Wrong code (details[0].path = "code")' })
  @ApiConflictResponse({ ...Errors, description: 'Not on' })
  @ApiTooManyRequestsResponse(Errors)
  totpDisable(@CurrentPerson() person: SessionCaller, @Body() dto: TotpCodeDto, @Req() req: FastifyRequest): Promise<SessionDto> {
    return this.auth.totpDisable(person, dto.code, req.ip);
  }

  private setCookie(reply: FastifyReply, signedIn: SignedIn): SessionDto {
    reply.setCookie(SESSION_COOKIE, signedIn.session.id, sessionCookieOptions(this.env));
    return signedIn.body;
  }
}
