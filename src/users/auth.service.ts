import { BadRequestException, ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { normalizeEmail } from '../core/mail/email-address';
import type { SessionDto, SessionUserDto, TotpSetupDto } from './dto/auth.dto';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';
import { NewSession, SessionCaller, SessionsService } from './sessions.service';
import { CLAIM_TOTP_STEP_SQL } from './user-queries';
import { UsersService, UserWithSecrets } from './users.service';

/** The one answer to an unknown address, a wrong password, a disabled account or one not set up yet. */
export const WRONG_CREDENTIALS = 'Wrong email or password';
const TOTP_ISSUER = 'Cloture';
/** Codes of the previous and next 30-second step count too (clocks drift; people type slowly). */
const TOTP_TOLERANCE_SECONDS = 30;

const fieldError = (path: string, message: string) => ({ message, details: [{ path, message }] });

export interface SignedIn {
  body: SessionDto;
  session: NewSession;
}

/** Signing in and out, the password and the second factor of the person signed in. */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Address + password (+ TOTP code when the account has it on). Every failure before the second factor answers the
   * same 401 in the same time (unknown addresses are checked against a dummy hash); a missing or wrong code answers
   * 401 with `details: [{ path: 'totp' }]`, so the console shows the code field. Throttled per account and per IP.
   */
  async login(email: string, password: string, totp: string | undefined, ip: string): Promise<SignedIn> {
    const address = normalizeEmail(email);
    await this.throttle.take(address, ip);
    const user = await this.users.findWithSecrets({ email: address });
    const passwordOk = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !passwordOk || user.disabledAt) throw new UnauthorizedException(WRONG_CREDENTIALS);
    if (user.totpSecret) {
      if (!totp) {
        await this.throttle.refund(address, ip);
        throw new UnauthorizedException(fieldError('totp', 'Enter the 6-digit code from your authenticator app'));
      }
      if (!(await this.claimTotp(user.id, user.totpSecret, totp))) {
        throw new UnauthorizedException(fieldError('totp', 'That code is wrong or was already used; enter the current one'));
      }
    }
    await this.throttle.succeeded(address, ip);
    return this.signIn(user);
  }

  /** Opens a session for a person who proved who they are (sign-in, accepted invitation). */
  async signIn(user: UserWithSecrets): Promise<SignedIn> {
    const session = await this.sessions.create(user.id);
    await this.users.markSignedIn(user.id);
    const body = { user: AuthService.sessionUser(user), csrfToken: session.csrfToken };
    await this.audit.record(this.callerOf(user, session), 'user.signed_in', { type: 'user', id: user.id });
    return { body, session };
  }

  async acceptInvite(token: string, password: string, name?: string): Promise<SignedIn> {
    const user = await this.users.acceptInvite(token, password, name);
    const signedIn = await this.signIn(user);
    await this.audit.record(this.callerOf(user, signedIn.session), 'user.invite_accepted', { type: 'user', id: user.id });
    return signedIn;
  }

  static sessionUser(u: UserWithSecrets): SessionUserDto {
    return { id: u.id, email: u.email, name: u.name, role: u.role, totpEnabled: !!u.totpSecret };
  }

  /** The signed-in person as the session answer shows them. */
  static person(c: SessionCaller, totpEnabled = c.totpEnabled): SessionDto {
    return { user: { id: c.userId, email: c.email, name: c.name, role: c.role, totpEnabled }, csrfToken: c.session.csrfToken };
  }

  /** A new password, after the current one; every other session of the person ends. */
  async changePassword(caller: SessionCaller, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    await this.throttle.take(caller.email, ip);
    const user = await this.users.findWithSecrets({ id: caller.userId });
    if (!user || !(await this.hasher.verify(user.passwordHash, currentPassword))) {
      throw new BadRequestException(fieldError('currentPassword', 'The current password is wrong'));
    }
    await this.throttle.succeeded(caller.email, ip);
    await this.db.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [user.id, await this.hasher.hash(newPassword)]);
    await this.sessions.revokeAll(user.id, caller.session.idHash);
    await this.audit.record(caller, 'user.password_changed', { type: 'user', id: user.id });
  }

  /** A new secret offered to the person; it takes effect once a code from it is confirmed (totpEnable). */
  async totpSetup(caller: SessionCaller): Promise<TotpSetupDto> {
    if (caller.totpEnabled) throw new ConflictException('Two-factor sign-in is already on; turn it off first to change the app');
    const secret = generateSecret();
    await this.db.query(`UPDATE users SET totp_pending_secret = $2 WHERE id = $1`, [caller.userId, secret]);
    return { secret, otpauthUrl: generateURI({ issuer: TOTP_ISSUER, label: caller.email, secret }) };
  }

  async totpEnable(caller: SessionCaller, code: string, ip: string): Promise<SessionDto> {
    const user = await this.users.findWithSecrets({ id: caller.userId });
    if (user?.totpSecret) throw new ConflictException('Two-factor sign-in is already on');
    if (!user?.totpPendingSecret) throw new ConflictException('Start with POST /api/v1/auth/totp/setup');
    await this.checkCode(caller, user.totpPendingSecret, code, ip);
    await this.db.query(`UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, updated_at = now() WHERE id = $1`, [user.id]);
    await this.audit.record(caller, 'user.totp_enabled', { type: 'user', id: user.id });
    return AuthService.person(caller, true);
  }

  async totpDisable(caller: SessionCaller, code: string, ip: string): Promise<SessionDto> {
    const user = await this.users.findWithSecrets({ id: caller.userId });
    if (!user?.totpSecret) throw new ConflictException('Two-factor sign-in is not on');
    await this.checkCode(caller, user.totpSecret, code, ip);
    await this.db.query(`UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL, updated_at = now() WHERE id = $1`, [user.id]);
    await this.audit.record(caller, 'user.totp_disabled', { type: 'user', id: user.id });
    return AuthService.person(caller, false);
  }

  /** A code confirmed by the signed-in person (throttled like sign-ins: a stolen session cannot try them all). */
  private async checkCode(caller: SessionCaller, secret: string, code: string, ip: string): Promise<void> {
    await this.throttle.take(caller.email, ip);
    if (!(await this.claimTotp(caller.userId, secret, code))) {
      throw new BadRequestException(fieldError('code', 'That code is wrong or was already used; enter the current one'));
    }
    await this.throttle.succeeded(caller.email, ip);
  }

  /** True when `code` is valid now for `secret` and its time step was not used before (a code works once). */
  private async claimTotp(userId: string, secret: string, code: string): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const result = await verifyTotp({ secret, token: code, epochTolerance: TOTP_TOLERANCE_SECONDS }).catch(() => ({ valid: false as const }));
    if (!result.valid || !('timeStep' in result)) return false;
    const claimed: { id: string }[] = await this.db.query(`WITH claimed AS (${CLAIM_TOTP_STEP_SQL}) SELECT id FROM claimed`, [userId, result.timeStep]);
    return claimed.length > 0;
  }

  private callerOf(user: UserWithSecrets, session: NewSession): SessionCaller {
    return {
      role: user.role, keyId: null, userId: user.id, email: user.email, name: user.name, label: user.email,
      totpEnabled: !!user.totpSecret, session: { idHash: session.idHash, csrfToken: session.csrfToken },
    };
  }
}
