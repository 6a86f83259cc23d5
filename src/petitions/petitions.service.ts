import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Env } from '../core/config/env';
import { FieldError, RequestValidationException } from '../core/http/validation';
import { LeadershipRole } from '../legislators/leadership-roles';
import { DatedRoleMove, LegislatorsService, SenatorView } from '../legislators/legislators.service';
import { hasSenators } from '../subscribers/zip-states';
import { CreatePetitionDto, DEFAULT_OPT_IN_TEXT, PetitionTargetDto, SLUG_PATTERN, UpdatePetitionDto } from './dto/petition.dto';
import { renderPetitionBody, thankYouTemplateProblems } from './petition-content';
import { COUNT_SIGNATURES_MANY_SQL, COUNT_SIGNATURES_SQL } from './petition-queries';
import { AddressedSenator, dedupeTargets, PetitionTarget, senatorLabel, vacantRoleLabel } from './petition-targets';
import { Petition } from './petition.entity';
import { isUniqueViolation } from '../core/database/database-errors';
import { isUuid } from '../core/http/uuid';

/** Anything that cannot be a slug is simply not found (and never reaches SQL). */
const isSlug = (s: unknown): s is string => typeof s === 'string' && s.length <= 100 && SLUG_PATTERN.test(s.toLowerCase());

/** A target as pages and the JSON show it, resolved against the roster now. */
export interface ResolvedTarget {
  type: PetitionTarget['type'];
  role: string | null;
  bioguideId: string | null;
  name: string | null;
  label: string;
  state: string | null;
  party: string | null;
  current: boolean;
}

/** A role the petition targets that changed hands after it was created (issue 19 item 4). */
export type PetitionRoleChange = Omit<DatedRoleMove, 'changeId'> & { changeId: string };

/** Who one signature addresses: senators, and the targeted roles nobody holds now (kept for the next holder). */
export interface Addressees {
  addressed: AddressedSenator[];
  vacantRoles: LeadershipRole[];
}

/** Petitions (PET-1): organizer CRUD, lookup by slug, and resolution of targets against the roster (TGT-2). */
@Injectable()
export class PetitionsService {
  constructor(
    @InjectRepository(Petition) private readonly petitions: Repository<Petition>,
    private readonly dataSource: DataSource,
    private readonly legislators: LegislatorsService,
    private readonly env: Env,
  ) {}

  async create(dto: CreatePetitionDto) {
    const targets = await this.checkTargets(dto.targets);
    this.checkTemplates(dto);
    const petition = this.petitions.create({
      slug: dto.slug,
      title: dto.title,
      bodySource: dto.body,
      bodyFormat: dto.bodyFormat ?? 'markdown',
      bodyHtml: renderPetitionBody(dto.body, dto.bodyFormat ?? 'markdown'),
      targets,
      goal: dto.goal ?? null,
      status: dto.status ?? 'open',
      closedAt: dto.status === 'closed' ? new Date() : null,
      thankYouSubject: dto.thankYouSubject ?? null,
      thankYouBody: dto.thankYouBody ?? null,
      optInText: dto.optInText ?? DEFAULT_OPT_IN_TEXT,
      shareTitle: dto.shareTitle ?? null,
      shareDescription: dto.shareDescription ?? null,
      shareImageUrl: dto.shareImageUrl ?? null,
      showRecentSigners: dto.showRecentSigners ?? true,
      embedOrigins: dto.embedOrigins ?? [],
    });
    return this.view(await this.saveMappingSlugConflict(petition));
  }

  async update(idOrSlug: string, dto: UpdatePetitionDto) {
    const petition = await this.get(idOrSlug);
    this.checkTemplates(dto);
    if (dto.targets !== undefined) petition.targets = await this.checkTargets(dto.targets);
    if (dto.slug !== undefined) petition.slug = dto.slug;
    if (dto.title !== undefined) petition.title = dto.title;
    if (dto.body !== undefined) petition.bodySource = dto.body;
    if (dto.bodyFormat !== undefined) petition.bodyFormat = dto.bodyFormat;
    if (dto.body !== undefined || dto.bodyFormat !== undefined) petition.bodyHtml = renderPetitionBody(petition.bodySource, petition.bodyFormat);
    if (dto.goal !== undefined) petition.goal = dto.goal;
    if (dto.status !== undefined && dto.status !== petition.status) {
      petition.status = dto.status;
      petition.closedAt = dto.status === 'closed' ? new Date() : null;
    }
    if (dto.thankYouSubject !== undefined) petition.thankYouSubject = dto.thankYouSubject;
    if (dto.thankYouBody !== undefined) petition.thankYouBody = dto.thankYouBody;
    if (dto.optInText !== undefined) petition.optInText = dto.optInText;
    if (dto.shareTitle !== undefined) petition.shareTitle = dto.shareTitle;
    if (dto.shareDescription !== undefined) petition.shareDescription = dto.shareDescription;
    if (dto.shareImageUrl !== undefined) petition.shareImageUrl = dto.shareImageUrl;
    if (dto.showRecentSigners !== undefined) petition.showRecentSigners = dto.showRecentSigners;
    if (dto.embedOrigins !== undefined) petition.embedOrigins = dto.embedOrigins;
    return this.view(await this.saveMappingSlugConflict(petition));
  }

  /** A petition may be deleted only while nobody has signed it; close it otherwise. */
  async remove(idOrSlug: string): Promise<void> {
    const petition = await this.get(idOrSlug);
    if ((await this.signatureCount(petition.id)) > 0) {
      throw new ConflictException('This petition has signatures and cannot be deleted; close it instead (status "closed")');
    }
    await this.petitions.delete({ id: petition.id });
  }

  async list(filter: { status?: string } = {}) {
    const rows = await this.petitions.find({ where: filter.status ? { status: filter.status as Petition['status'] } : {}, order: { createdAt: 'DESC' } });
    const counts: { petition_id: string; n: number }[] = rows.length
      ? await this.dataSource.query(COUNT_SIGNATURES_MANY_SQL, [rows.map((r) => r.id)])
      : [];
    const byId = new Map(counts.map((c) => [c.petition_id, c.n]));
    return Promise.all(rows.map((r) => this.view(r, byId.get(r.id) ?? 0)));
  }

  /** By id (uuid) or slug; 404 otherwise. */
  async get(idOrSlug: string): Promise<Petition> {
    const petition = isUuid(idOrSlug)
      ? await this.petitions.findOne({ where: { id: idOrSlug } })
      : isSlug(idOrSlug)
        ? await this.petitions.findOne({ where: { slug: idOrSlug.toLowerCase() } })
        : null;
    if (!petition) throw new NotFoundException('No petition with this id or slug');
    return petition;
  }

  async getBySlug(slug: string): Promise<Petition> {
    const petition = isSlug(slug) ? await this.petitions.findOne({ where: { slug: slug.toLowerCase() } }) : null;
    if (!petition) throw new NotFoundException('No petition at this address');
    return petition;
  }

  async getView(idOrSlug: string) {
    return this.view(await this.get(idOrSlug));
  }

  /** The public view (PET-3): no organizer-only fields. */
  async publicView(slug: string) {
    const petition = await this.getBySlug(slug);
    return {
      slug: petition.slug,
      title: petition.title,
      bodyHtml: petition.bodyHtml,
      targets: await this.resolveTargets(petition),
      signatureCount: await this.signatureCount(petition.id),
      goal: petition.goal,
      status: petition.status,
      optInText: petition.optInText,
      url: this.url(petition),
    };
  }

  async signatureCount(petitionId: string): Promise<number> {
    const [{ n }] = await this.dataSource.query(COUNT_SIGNATURES_SQL, [petitionId]);
    return n;
  }

  url(petition: Pick<Petition, 'slug'>): string {
    return `${this.env.PUBLIC_BASE_URL.replace(/\/$/, '')}/p/${petition.slug}`;
  }

  /** Targets for display, resolved now: roles to their current holder, named senators, "your two senators". */
  async resolveTargets(petition: Petition): Promise<ResolvedTarget[]> {
    const holders = await this.legislators.holdersOf(petition.targets.flatMap((t) => (t.type === 'role' ? [t.role] : [])));
    const named = new Map(
      (await this.legislators.findSenators(petition.targets.flatMap((t) => (t.type === 'senator' ? [t.bioguideId] : [])))).map((s) => [s.bioguideId, s]),
    );
    return petition.targets.map((t): ResolvedTarget => {
      if (t.type === 'own_senators') {
        return { type: t.type, role: null, bioguideId: null, name: null, label: 'Your two U.S. senators', state: null, party: null, current: true };
      }
      const senator = t.type === 'role' ? holders.get(t.role) : named.get(t.bioguideId);
      const role = t.type === 'role' ? t.role : null;
      if (!senator) {
        return { type: t.type, role, bioguideId: t.type === 'senator' ? t.bioguideId : null, name: null,
          label: role ? vacantRoleLabel(role) : 'Unknown senator', state: null, party: null, current: false };
      }
      const label = senatorLabel(senator, role) + (senator.inOffice ? '' : ' (no longer in office)');
      return { type: t.type, role, bioguideId: senator.bioguideId, name: senator.name, label,
        state: senator.state, party: senator.party, current: senator.inOffice };
    });
  }

  /**
   * The senators one signature addresses, resolved now (TGT-2): role holders, named senators still in office,
   * and the signer's own senators when the petition asks for them and the state has any.
   */
  async addressedFor(petition: Petition, state: string | null): Promise<Addressees> {
    const out = new Map<string, AddressedSenator>();
    const add = (senator: SenatorView, role: AddressedSenator['role'], via: AddressedSenator['via']) => {
      const key = `${senator.bioguideId}:${role ?? ''}`;
      if (!out.has(key)) out.set(key, { bioguideId: senator.bioguideId, role, label: senatorLabel(senator, role), senator, via });
    };
    const holders = await this.legislators.holdersOf(petition.targets.flatMap((t) => (t.type === 'role' ? [t.role] : [])));
    const named = await this.legislators.findSenators(petition.targets.flatMap((t) => (t.type === 'senator' ? [t.bioguideId] : [])));
    const own = petition.targets.some((t) => t.type === 'own_senators') && state && hasSenators(state) ? await this.legislators.senatorsOf(state) : [];
    const vacantRoles: LeadershipRole[] = [];
    for (const t of petition.targets) {
      if (t.type === 'role') {
        const holder = holders.get(t.role);
        if (holder) add(holder, t.role, 'role');
        else vacantRoles.push(t.role);
      } else if (t.type === 'senator') {
        const s = named.find((n) => n.bioguideId === t.bioguideId);
        if (s?.inOffice) add(s, null, 'senator');
      } else for (const s of own) add(s, null, 'own_senators');
    }
    return { addressed: [...out.values()], vacantRoles };
  }

  /**
   * The roles this petition targets that changed hands (or fell vacant) since it was created, oldest first: what
   * its stats and hosted page tell the organizer and signers. From the roster's stored changes, cached per version.
   */
  async roleChanges(petition: Petition): Promise<PetitionRoleChange[]> {
    const roles = new Set(petition.targets.flatMap((t) => (t.type === 'role' ? [t.role] : [])));
    if (!roles.size) return [];
    const created = petition.createdAt.getTime();
    return (await this.legislators.roleMoves()).filter((m) => roles.has(m.role) && new Date(m.changedAt).getTime() > created);
  }

  private async checkTargets(targets: PetitionTargetDto[]): Promise<PetitionTarget[]> {
    const errors: FieldError[] = [];
    const clean: PetitionTarget[] = targets.map((t, i) => {
      if (t.type === 'role') {
        if (t.bioguideId !== undefined) errors.push({ path: `targets[${i}].bioguideId`, message: 'a role target takes no bioguideId' });
        return { type: 'role', role: t.role! };
      }
      if (t.type === 'senator') {
        if (t.role !== undefined) errors.push({ path: `targets[${i}].role`, message: 'a senator target takes no role' });
        return { type: 'senator', bioguideId: t.bioguideId! };
      }
      if (t.role !== undefined || t.bioguideId !== undefined) {
        errors.push({ path: `targets[${i}]`, message: 'an own_senators target takes no role or bioguideId' });
      }
      return { type: 'own_senators' };
    });
    const ids = clean.flatMap((t) => (t.type === 'senator' ? [t.bioguideId] : []));
    const known = new Map((await this.legislators.findSenators(ids)).map((s) => [s.bioguideId, s]));
    clean.forEach((t, i) => {
      if (t.type !== 'senator') return;
      const s = known.get(t.bioguideId);
      if (!s) errors.push({ path: `targets[${i}].bioguideId`, message: `no senator with bioguide id ${t.bioguideId} in the roster` });
      else if (!s.inOffice) errors.push({ path: `targets[${i}].bioguideId`, message: `${s.name} is no longer in office` });
    });
    if (errors.length) throw new RequestValidationException(errors);
    return dedupeTargets(clean);
  }

  private checkTemplates(dto: UpdatePetitionDto): void {
    const errors: FieldError[] = [];
    // PartialType makes every field optional, which lets null through; these columns cannot hold it.
    for (const field of ['slug', 'title', 'body', 'bodyFormat', 'targets', 'status', 'optInText', 'showRecentSigners', 'embedOrigins'] as const) {
      if (dto[field] === null) errors.push({ path: field, message: `${field} cannot be null` });
    }
    for (const field of ['thankYouSubject', 'thankYouBody'] as const) {
      const value = dto[field];
      if (typeof value === 'string') for (const message of thankYouTemplateProblems(value)) errors.push({ path: field, message });
    }
    if (errors.length) throw new RequestValidationException(errors);
  }

  private async saveMappingSlugConflict(petition: Petition): Promise<Petition> {
    const taken = await this.petitions.findOne({ where: { slug: petition.slug }, select: { id: true } });
    if (taken && taken.id !== petition.id) throw new ConflictException(`The slug "${petition.slug}" is already used by another petition`);
    try {
      return await this.petitions.save(petition);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new ConflictException(`The slug "${petition.slug}" is already used by another petition`);
      }
      throw e;
    }
  }

  private async view(p: Petition, count?: number) {
    return {
      id: p.id,
      slug: p.slug,
      title: p.title,
      body: p.bodySource,
      bodyFormat: p.bodyFormat,
      bodyHtml: p.bodyHtml,
      targets: p.targets,
      resolvedTargets: await this.resolveTargets(p),
      goal: p.goal,
      status: p.status,
      thankYouSubject: p.thankYouSubject,
      thankYouBody: p.thankYouBody,
      optInText: p.optInText,
      shareTitle: p.shareTitle,
      shareDescription: p.shareDescription,
      shareImageUrl: p.shareImageUrl,
      showRecentSigners: p.showRecentSigners,
      embedOrigins: p.embedOrigins,
      signatureCount: count ?? (await this.signatureCount(p.id)),
      url: this.url(p),
      embedUrl: `${this.url(p)}/embed`,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      closedAt: p.closedAt,
    };
  }
}
