import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuditActor, AuditService } from '../audit/audit.service';
import { Env } from '../core/config/env';
import { pgErrorCode } from '../core/database/database-errors';
import { canonicalEmail } from '../core/mail/email-address';
import { MailService } from '../core/mail/mail.service';
import { UpdateUserDto, UserDto } from './dto/user.dto';
import { PasswordHasher } from './password-hasher';
import { hashToken, randomToken, SessionsService } from './sessions.service';
import { LOCK_ACTIVE_ADMINS_SQL } from './user-queries';
import { User, UserRole } from './user.entity';

/** How long an invitation (or a CLI sign-in link) works. */
export const INVITE_VALID_DAYS = 7;

const INVALID_INVITE = 'This invitation link is invalid, already used or expired; ask an admin for a new one';

/** A user with the columns sign-in needs (never selected by default). */
export type UserWithSecrets = User & { passwordHash: string | null; totpSecret: string | null; totpPendingSecret: string | null };

/** Accounts of people: invitations, roles, disabling, and the welcome link that sets a password. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly env: Env,
  ) {}

  static toDto(u: User): UserDto {
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      disabled: !!u.disabledAt,
      totpEnabled: !!(u as Partial<UserWithSecrets>).totpSecret,
      invitePending: !!u.inviteExpiresAt,
      inviteExpiresAt: u.inviteExpiresAt,
      lastSignInAt: u.lastSignInAt,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
    };
  }

  async list(): Promise<UserDto[]> {
    const users = await this.users.createQueryBuilder('u').addSelect('u.totpSecret').orderBy('u.createdAt', 'ASC').getMany();
    return users.map(UsersService.toDto);
  }

  /** The user with the secrets sign-in needs, by id or by address (case-insensitive; users_email_lower_key). */
  findWithSecrets(by: { id: string } | { email: string }): Promise<UserWithSecrets | null> {
    const q = this.users.createQueryBuilder('u').addSelect(['u.passwordHash', 'u.totpSecret', 'u.totpPendingSecret']);
    if ('id' in by) q.where('u.id = :id', { id: by.id });
    else q.where('lower(u.email) = lower(:email)', { email: by.email });
    return q.getOne() as Promise<UserWithSecrets | null>;
  }

  async get(id: string): Promise<User> {
    const user = await this.findWithSecrets({ id });
    if (!user) throw new NotFoundException(`User ${id} not found`);
    return user;
  }

  /** An admin invites a person: the account exists at once, the welcome link goes by email. 409 if the address has one. */
  async invite(caller: AuditActor, email: string, role: UserRole, name?: string): Promise<UserDto> {
    const { user, link } = await this.createInvited(email, role, name);
    await this.sendInvitation(user, link);
    await this.audit.record(caller, 'user.invited', { type: 'user', id: user.id }, { role });
    return UsersService.toDto(user);
  }

  /** The first admin (CLI): the account and a welcome link printed instead of mailed. */
  async createWithSignInLink(email: string, role: UserRole, name?: string): Promise<{ user: UserDto; link: string }> {
    const { user, link } = await this.createInvited(email, role, name);
    await this.audit.record({ system: 'cli' }, 'user.invited', { type: 'user', id: user.id }, { role });
    return { user: UsersService.toDto(user), link };
  }

  /** A new invitation link (the old one stops working). For someone with a password, it is a way to set a new one. */
  async resendInvite(caller: AuditActor, id: string): Promise<UserDto> {
    const user = await this.get(id);
    if (user.disabledAt) throw new ConflictException('This account is disabled; enable it before inviting again');
    const link = await this.issueInvitation(user);
    await this.sendInvitation(user, link);
    await this.audit.record(caller, 'user.invited', { type: 'user', id: user.id }, { role: user.role, resent: true });
    return UsersService.toDto(user);
  }

  /**
   * Role, name, disabled. Disabling ends the person's sessions at once. The last admin who can sign in cannot be
   * demoted or disabled (409): the console would have no one left to manage it.
   */
  async update(caller: AuditActor, id: string, dto: UpdateUserDto): Promise<UserDto> {
    await this.db.transaction(async (m) => {
      const user = await m.findOne(User, { where: { id } });
      if (!user) throw new NotFoundException(`User ${id} not found`);
      const leavesAdmins = (dto.role !== undefined && dto.role !== 'admin') || dto.disabled === true;
      if (user.role === 'admin' && leavesAdmins) await this.refuseLastAdmin(m, id);
      const patch: Partial<User> = {};
      if (dto.role !== undefined) patch.role = dto.role;
      if (dto.name !== undefined) patch.name = dto.name;
      if (dto.disabled === true && !user.disabledAt) patch.disabledAt = new Date();
      if (dto.disabled === false) patch.disabledAt = null;
      if (Object.keys(patch).length) await m.update(User, { id }, patch);
      if (dto.disabled === true) await m.query(`DELETE FROM user_sessions WHERE user_id = $1`, [id]);
    });
    const details: Record<string, unknown> = {};
    if (dto.role !== undefined) details.role = dto.role;
    if (dto.disabled !== undefined) details.disabled = dto.disabled;
    if (dto.name !== undefined) details.nameChanged = true;
    await this.audit.record(caller, 'user.updated', { type: 'user', id }, details);
    return UsersService.toDto(await this.get(id));
  }

  /**
   * The welcome link: sets the password (and the name, if given), once. Any earlier sessions end (the link may be
   * an admin's answer to a lost password).
   */
  async acceptInvite(token: string, password: string, name?: string): Promise<UserWithSecrets> {
    const tokenHash = hashToken(token);
    const passwordHash = await this.hasher.hash(password);
    // Single use: the token is cleared in the statement that checks it.
    const rows: { id: string }[] = await this.db.query(
      `WITH accepted AS (
         UPDATE users SET password_hash = $2, name = COALESCE($3, name), invite_token_hash = NULL, invite_expires_at = NULL, updated_at = now()
         WHERE invite_token_hash = $1 AND invite_expires_at > now() AND disabled_at IS NULL
         RETURNING id)
       SELECT id FROM accepted`,
      [tokenHash, passwordHash, name ?? null],
    );
    if (!rows.length) throw new BadRequestException({ message: INVALID_INVITE, details: [{ path: 'token', message: INVALID_INVITE }] });
    await this.sessions.revokeAll(rows[0].id);
    return (await this.findWithSecrets({ id: rows[0].id }))!;
  }

  async markSignedIn(id: string): Promise<void> {
    await this.users.update({ id }, { lastSignInAt: new Date() });
  }

  private async createInvited(email: string, role: UserRole, name?: string): Promise<{ user: User; link: string }> {
    const address = canonicalEmail(email);
    if (!address) throw new BadRequestException({ message: 'email: email must be a valid email address', details: [{ path: 'email', message: 'email must be a valid email address' }] });
    if (await this.findWithSecrets({ email: address })) throw this.exists();
    let user: User;
    try {
      user = await this.users.save(this.users.create({ email: address, role, name: name ?? null }));
    } catch (e) {
      if (pgErrorCode(e) === '23505') throw this.exists();
      throw e;
    }
    return { user, link: await this.issueInvitation(user) };
  }

  private exists(): ConflictException {
    return new ConflictException('An account with this address already exists');
  }

  /** A fresh single-use token (only its hash is kept); the link to the console's welcome page. */
  private async issueInvitation(user: User): Promise<string> {
    const token = randomToken();
    user.inviteExpiresAt = new Date(Date.now() + INVITE_VALID_DAYS * 24 * 3600 * 1000);
    await this.users.update({ id: user.id }, { inviteTokenHash: hashToken(token), inviteExpiresAt: user.inviteExpiresAt });
    return `${this.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/console/welcome#token=${token}`;
  }

  private async sendInvitation(user: User, link: string): Promise<void> {
    const text =
      `You have been invited to the Cloture console as ${user.role}.\n\n` +
      `Choose your password here (the link works once, for ${INVITE_VALID_DAYS} days):\n${link}\n\n` +
      'If you did not expect this invitation, ignore this message.\n';
    const html =
      `<p>You have been invited to the Cloture console as ${user.role}.</p>` +
      `<p><a href="${link}">Choose your password</a> (the link works once, for ${INVITE_VALID_DAYS} days).</p>` +
      '<p>If you did not expect this invitation, ignore this message.</p>';
    await this.mail.enqueue({ to: user.email, subject: 'Your invitation to the Cloture console', text, html, kind: 'user-invite' });
  }

  private async refuseLastAdmin(m: EntityManager, id: string): Promise<void> {
    const admins: { id: string }[] = await m.query(LOCK_ACTIVE_ADMINS_SQL);
    if (admins.some((a) => a.id === id) && admins.length === 1) {
      throw new ConflictException('This is the last active admin; make someone else an admin first');
    }
  }
}
