import { ConflictException, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { Env } from '../core/config/env';
import { MailService } from '../core/mail/mail.service';
import { DoubleOptInService } from '../double-opt-in/double-opt-in.service';
import { FieldError, flattenValidationErrors, RequestValidationException } from '../core/http/validation';
import { normalizeEmail } from '../core/mail/email-address';
import { disclaimerSentence } from '../settings/notices';
import { SettingsService } from '../settings/settings.service';
import { SubscribersService } from '../subscribers/subscribers.service';
import { hasSenators, normalizeZip, stateForZip } from '../subscribers/zip-states';
import { SignPetitionDto } from './dto/signature.dto';
import { renderThankYou } from './petition-content';
import {
  COUNT_REFERRED_SQL,
  RECENT_SIGNERS_SQL,
  SIGNATURE_BY_SHARE_CODE_SQL,
  ERASE_SIGNER_SQL,
  INCREMENT_SIGNATURE_COUNT_SQL,
  INSERT_SIGNATURE_SQL,
  INSERT_SIGNATURE_TARGETS_SQL,
  TOUCH_EXISTING_SIGNATURE_SQL,
} from './petition-queries';
import { LeadershipRole } from '../legislators/leadership-roles';
import { AddressedSenator, STATE_NAMES, vacantRoleLabel } from './petition-targets';
import { Petition } from './petition.entity';
import { PetitionsService } from './petitions.service';
import { newShareCode, ShareLinks, shareLinks, ShareTokenService } from './share-links';

export interface ReceiptTarget {
  /** Null for a vacant role. */
  bioguideId: string | null;
  name: string | null;
  label: string;
  role: string | null;
  state: string | null;
}

/** What a signer is told — identical whether the address was new, known, or had already signed (PET-5). */
export interface SignatureReceipt {
  signed: true;
  message: string;
  petition: string;
  title: string;
  signatureCount: number;
  goal: number | null;
  targets: ReceiptTarget[];
  ownSenators?: { state: string | null; senators: ReceiptTarget[]; message?: string };
  /** The signer's own share links (their code credits them) and their personal page with the count. */
  share?: ShareStep;
}

export interface ShareStep {
  code: string;
  /** `/p/<slug>/thanks/<token>`: bookmark it to come back and see how many signed through your link. */
  personalUrl: string;
  referralCount: number;
  links: ShareLinks;
}

/** Public signing (PET-2, PET-5): one signature per person per petition, subscriber upsert, thank-you email. */
@Injectable()
export class SignaturesService implements OnModuleInit {
  private readonly logger = new Logger(SignaturesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly petitions: PetitionsService,
    private readonly subscribers: SubscribersService,
    private readonly mail: MailService,
    private readonly doubleOptIn: DoubleOptInService,
    private readonly settings: SettingsService,
    private readonly shareTokens: ShareTokenService,
    private readonly env: Env,
  ) {}

  /** Erasing a subscriber (SUB-5) also scrubs their signatures, in the same transaction. */
  onModuleInit(): void {
    this.subscribers.registerErasureHook('petition-signatures', async (subscriberId, manager, email) => {
      await this.eraseSigner(email, subscriberId, manager);
    });
  }

  /** Validate a raw form body the same way the JSON endpoint's pipe does (the hosted page renders the errors). */
  parseInput(raw: unknown): { input?: SignPetitionDto; errors?: FieldError[] } {
    const input = plainToInstance(SignPetitionDto, raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {});
    const errors = validateSync(input, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    return errors.length ? { errors: flattenValidationErrors(errors) } : { input };
  }

  async sign(slug: string, input: SignPetitionDto): Promise<SignatureReceipt> {
    const petition = await this.petitions.getBySlug(slug);
    if (petition.status !== 'open') {
      throw new ConflictException('This petition is closed and no longer accepts signatures. Thank you for your support.');
    }
    const email = normalizeEmail(input.email);
    const zip = normalizeZip(input.zip)!;
    // The ZIP decides the state; the signer's pick is used only when the ZIP does not tell.
    const state = stateForZip(zip) ?? input.state ?? null;
    const wantsOwn = petition.targets.some((t) => t.type === 'own_senators');
    if (wantsOwn && !state) {
      throw new RequestValidationException([{ path: 'state', message: 'we could not tell your state from this ZIP code: please choose your state' }]);
    }
    const { addressed, vacantRoles } = await this.petitions.addressedFor(petition, state);
    const optIn = input.optIn === true;
    const source = `petition:${petition.slug}`;
    // Under double opt-in (COMP-4) an opted-in signer stays `unconfirmed` until they press the emailed link.
    const signupStatus = optIn ? await this.doubleOptIn.statusForNewSignup() : undefined;

    const outcome = await this.dataSource.transaction(async (m) => {
      // Links the signer to a known subscriber (opted in or not); creates or (re)subscribes only with the opt-in.
      const upsert = await this.subscribers.upsertByEmail(
        {
          email,
          firstName: input.firstName ?? null,
          lastName: input.lastName ?? null,
          zip,
          state,
          source,
          subscribe: optIn,
          status: signupStatus,
          consent: optIn ? { source, text: petition.optInText } : undefined,
        },
        m,
      );
      const subscriberId = upsert.subscriber?.id ?? null;
      const confirm = optIn && upsert.subscriber?.status === 'unconfirmed';
      const code = newShareCode();
      const inserted: { id: string; share_code: string }[] = await m.query(INSERT_SIGNATURE_SQL, [
        petition.id, subscriberId, email, input.firstName ?? null, input.lastName ?? null, zip, state, input.comment ?? null,
        optIn, input.referralCode ?? null, input.blast ?? null, code,
      ]);
      if (inserted[0]) {
        await m.query(INSERT_SIGNATURE_TARGETS_SQL, [
          inserted[0].id,
          // A vacant role keeps a row without a senator: the packet lists it under the role until someone holds it.
          JSON.stringify([
            ...addressed.map((a) => ({ bioguideId: a.bioguideId, role: a.role })),
            ...vacantRoles.map((role) => ({ bioguideId: null, role })),
          ]),
        ]);
        await m.query(INCREMENT_SIGNATURE_COUNT_SQL, [petition.id, Math.floor(Math.random() * 16)]);
        return { signatureId: inserted[0].id, shareCode: inserted[0].share_code, subscriberId, needsThankYou: true, retry: false, confirm };
      }
      // Signing again keeps one share code per signer (filled in for signatures made before codes existed).
      const existing: { id: string; thank_you_queued_at: Date | null; share_code: string }[] = await m.query(TOUCH_EXISTING_SIGNATURE_SQL, [
        petition.id, email, optIn, subscriberId, code,
      ]);
      return {
        signatureId: existing[0]?.id,
        shareCode: existing[0]?.share_code,
        subscriberId,
        needsThankYou: !!existing[0] && !existing[0].thank_you_queued_at,
        retry: true,
        confirm,
      };
    });

    if (outcome.confirm && outcome.subscriberId) {
      // Idempotent (fixed job ids inside): signing twice does not send two confirmations.
      await this.doubleOptIn.sendConfirmation(outcome.subscriberId).catch((e: Error) => {
        this.logger.warn(`opt-in confirmation for subscriber ${outcome.subscriberId} not queued: ${e.message}`);
      });
    }

    if (outcome.signatureId && outcome.needsThankYou) {
      await this.queueThankYou(petition, outcome.signatureId, email, outcome.subscriberId, input, outcome.retry);
    }
    const receipt = await this.receipt(petition, addressed, vacantRoles, state, wantsOwn);
    if (outcome.signatureId && outcome.shareCode) {
      const referralCount = outcome.retry ? await this.referralCount(outcome.signatureId) : 0;
      receipt.share = this.shareStep(petition, outcome.shareCode, referralCount);
    }
    return receipt;
  }

  /** The share step for one signer's code: links carrying it, their personal page, how many it brought. */
  shareStep(petition: Petition, code: string, referralCount: number): ShareStep {
    const base = this.petitions.url(petition);
    return {
      code,
      personalUrl: `${base}/thanks/${this.shareTokens.sign(code)}`,
      referralCount,
      links: shareLinks(`${base}?ref=${code}`, petition.title),
    };
  }

  /** The signer a share code belongs to on this petition, or null. */
  async signerByShareCode(petitionId: string, code: string): Promise<{ id: string; firstName: string | null } | null> {
    const [row] = await this.dataSource.query(SIGNATURE_BY_SHARE_CODE_SQL, [code, petitionId]);
    return row ? { id: row.id, firstName: row.first_name } : null;
  }

  /** Social proof on the page: the latest signers' first name and state, nothing else. */
  recentSigners(petitionId: string, limit = 6): Promise<{ firstName: string; state: string | null }[]> {
    return this.dataSource.query(RECENT_SIGNERS_SQL, [petitionId, limit]);
  }

  async referralCount(signatureId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(COUNT_REFERRED_SQL, [signatureId]);
    return n;
  }

  /**
   * For the subscribers module's erase (SUB-5): blanks the personal data of every signature by this address or
   * subscriber, keeping the rows (counts, state totals). Returns how many signatures were erased.
   */
  async eraseSigner(email: string, subscriberId: string | null, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [{ n }] = await manager.query(ERASE_SIGNER_SQL, [normalizeEmail(email), subscriberId]);
    return n;
  }

  /**
   * Thank-you mail (transactional, PREF-5). The job id is the signature's, so a repeated sign or a retry after a
   * failed enqueue never sends twice. Suppressed (erased, complained) addresses get nothing.
   */
  private async queueThankYou(
    petition: Petition,
    signatureId: string,
    email: string,
    subscriberId: string | null,
    input: SignPetitionDto,
    retry: boolean,
  ) {
    try {
      if (await this.subscribers.isSuppressed(email)) return;
      const org = await this.settings.get();
      const mail = renderThankYou(
        petition.thankYouSubject,
        petition.thankYouBody,
        {
          firstName: input.firstName ?? null,
          lastName: input.lastName ?? null,
          petitionTitle: petition.title,
          petitionUrl: this.petitions.url(petition),
        },
        organizationFooter(org),
      );
      const fromName = (org.defaultFromName ?? org.legalName ?? '').replace(/["\\\r\n<>]/g, '').trim();
      await this.mail.enqueue(
        {
          to: email,
          from: org.defaultFromEmail ? (fromName ? `"${fromName}" <${org.defaultFromEmail}>` : org.defaultFromEmail) : undefined,
          replyTo: org.defaultReplyTo ?? undefined,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          kind: 'petition-thank-you',
          subscriberId: subscriberId ?? undefined,
        },
        `petition-thank-you-${signatureId}`,
      );
      if (retry) await this.dataSource.query(`UPDATE petition_signatures SET thank_you_queued_at = now() WHERE id = $1`, [signatureId]);
    } catch (e) {
      // The signature stands; signing again re-queues the thank-you (same job id, so at most one is sent).
      this.logger.warn(`thank-you for signature ${signatureId} not queued: ${(e as Error).message}`);
      await this.dataSource
        .query(`UPDATE petition_signatures SET thank_you_queued_at = NULL WHERE id = $1`, [signatureId])
        .catch(() => undefined);
    }
  }

  private async receipt(
    petition: Petition,
    addressed: AddressedSenator[],
    vacantRoles: LeadershipRole[],
    state: string | null,
    wantsOwn: boolean,
  ): Promise<SignatureReceipt> {
    const toTarget = (a: AddressedSenator): ReceiptTarget => ({
      bioguideId: a.bioguideId, name: a.senator.name, label: a.label, role: a.role, state: a.senator.state,
    });
    // One line per senator; a senator addressed both as a leader and as the signer's own senator reads as the leader.
    const bySenator = new Map<string, ReceiptTarget>();
    for (const a of [...addressed].sort((x, y) => Number(!!y.role) - Number(!!x.role))) {
      if (!bySenator.has(a.bioguideId)) bySenator.set(a.bioguideId, toTarget(a));
    }
    const receipt: SignatureReceipt = {
      signed: true,
      message: `Thank you for signing "${petition.title}".`,
      petition: petition.slug,
      title: petition.title,
      signatureCount: await this.petitions.signatureCount(petition.id),
      goal: petition.goal,
      targets: [
        ...bySenator.values(),
        ...vacantRoles.map((role) => ({ bioguideId: null, name: null, label: vacantRoleLabel(role), role, state: null })),
      ],
    };
    if (wantsOwn) {
      const own = addressed.filter((a) => a.via === 'own_senators' || (state && a.senator.state === state && hasSenators(state)));
      const ownUnique = [...new Map(own.map((a) => [a.bioguideId, { ...toTarget(a), label: `${a.senator.name}, U.S. Senator for ${STATE_NAMES[a.senator.state] ?? a.senator.state}`, role: null }])).values()];
      receipt.ownSenators = { state, senators: ownUnique };
      if (state && !hasSenators(state)) {
        const place = STATE_NAMES[state] ?? state;
        receipt.ownSenators.message = `${place.charAt(0).toUpperCase()}${place.slice(1)} has no U.S. senators, so your signature goes to the petition's other targets.`;
      }
    }
    return receipt;
  }
}

/** The organization's notices for petition mail and pages: the FEC disclaimer, then name and postal address. */
export function organizationFooter(org: Parameters<typeof disclaimerSentence>[0] & { postalAddress: string | null }): string[] {
  const who = [org.legalName, org.postalAddress].filter(Boolean).join(', ');
  return [disclaimerSentence(org), who].filter((l): l is string => !!l);
}
