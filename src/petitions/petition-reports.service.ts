import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { isLeadershipRole, LeadershipRole, ROLE_LABELS } from '../legislators/leadership-roles';
import { LegislatorsService, SenatorView } from '../legislators/legislators.service';
import {
  COUNT_BY_BLAST_SQL,
  COUNT_BY_DAY_SQL,
  COUNT_BY_REFERRAL_SQL,
  COUNT_BY_REFERRER_SQL,
  COUNT_BY_STATE_SQL,
  COUNT_BY_TARGET_SQL,
  COUNT_OPTED_IN_SQL,
  DELIVERY_PAGE_SQL,
  SIGNATURE_PAGE_SQL,
} from './petition-queries';
import { roleChangeNotice, STATE_NAMES } from './petition-targets';
import { PetitionsService } from './petitions.service';
import { decodeCursor, encodeCursor } from '../core/database/keyset-cursor';

const PACKET_PAGE = 1000;

/** The packet's columns: addressed_to_at_signing is the role's holder when the person signed ("vacant" if none). */
export const PACKET_COLUMNS = ['name', 'state', 'zip', 'comment', 'signed_at', 'addressed_as', 'addressed_to_at_signing', 'holder_now'] as const;

/** Spreadsheet apps run cells starting with these as formulas; a leading apostrophe keeps them text. */
const csvSafe = (v: string | null) => (v && /^[=+\-@\t\r]/.test(v) ? `'${v}` : (v ?? ''));

/** Organizer views of a petition (PET-4): signatures paged, counts, and the delivery packet per senator. */
@Injectable()
export class PetitionReportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly petitions: PetitionsService,
    private readonly legislators: LegislatorsService,
  ) {}

  async signatures(idOrSlug: string, query: { limit?: number; cursor?: string }) {
    const petition = await this.petitions.get(idOrSlug);
    const limit = query.limit ?? 50;
    const { at, id } = query.cursor ? decodeCursor(query.cursor) : { at: null, id: null };
    const rows: (Record<string, unknown> & { cursorAt: string; id: string })[] = await this.dataSource.query(SIGNATURE_PAGE_SQL, [
      petition.id, at, id, limit + 1,
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ cursorAt: _c, ...r }) => r),
      nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.id) : null,
    };
  }

  async stats(idOrSlug: string) {
    const petition = await this.petitions.get(idOrSlug);
    const [byTarget, byState, byDay, byReferral, byReferrer, byBlast, total, opted] = await Promise.all([
      this.dataSource.query(COUNT_BY_TARGET_SQL, [petition.id]),
      this.dataSource.query(COUNT_BY_STATE_SQL, [petition.id]),
      this.dataSource.query(COUNT_BY_DAY_SQL, [petition.id]),
      this.dataSource.query(COUNT_BY_REFERRAL_SQL, [petition.id]),
      this.dataSource.query(COUNT_BY_REFERRER_SQL, [petition.id]),
      this.dataSource.query(COUNT_BY_BLAST_SQL, [petition.id]),
      this.petitions.signatureCount(petition.id),
      this.dataSource.query(COUNT_OPTED_IN_SQL, [petition.id]),
    ]);
    const roleChanges = (await this.petitions.roleChanges(petition)).map((m) => ({ ...m, notice: roleChangeNotice(m) }));
    return { total, optedIn: opted[0].n as number, goal: petition.goal, byTarget, byState, byDay, byReferral, byReferrer, byBlast, roleChanges };
  }

  /**
   * The delivery packet for one senator, named by bioguide id or by a role resolved to its holder now. Lists every
   * signer addressed to that senator: directly, as their own senator, or through a role the senator holds at
   * packet time. A vacant role's packet lists the signatures addressed to the role, kept for its next holder. Each
   * row says whom it was addressed to at signing and who holds the role now (issue 19 item 3). Streamed page by
   * page (constant memory).
   */
  async deliveryPacket(idOrSlug: string, target: string): Promise<{ filename: string; stream: Readable; senator: SenatorView | null }> {
    const petition = await this.petitions.get(idOrSlug);
    let senator: SenatorView | undefined;
    let vacantRole: LeadershipRole | null = null;
    if (isLeadershipRole(target)) {
      senator = (await this.legislators.holdersOf([target])).get(target);
      if (!senator) vacantRole = target;
    } else if (/^[A-Z][0-9]{6}$/.test(target)) {
      [senator] = await this.legislators.findSenators([target]);
      if (!senator) throw new NotFoundException(`No senator with bioguide id ${target}`);
    } else {
      throw new BadRequestException('target must be a leadership role (e.g. majority_leader) or a bioguide id (e.g. T000250)');
    }
    const roles = senator ? senator.roles : [vacantRole!];
    const ds = this.dataSource;
    const petitionId = petition.id;
    const who = senator ?? null;
    const holderNow = who?.name ?? 'vacant';
    async function* rows() {
      let at: string | null = null;
      let id: string | null = null;
      for (;;) {
        const page: Record<string, any>[] = await ds.query(DELIVERY_PAGE_SQL, [petitionId, who?.bioguideId ?? null, roles, at, id, PACKET_PAGE]);
        for (const r of page) {
          const name = [r.first_name, r.last_name].filter(Boolean).join(' ') || '(name not given)';
          const addressedAs = r.via_role
            ? ROLE_LABELS[r.via_role as LeadershipRole]
            : `U.S. Senator for ${STATE_NAMES[who!.state] ?? who!.state}`;
          // A role signed while vacant was addressed to nobody in particular; otherwise the holder at signing.
          const atSigning = r.signed_bioguide_id ? (r.signed_name ?? r.signed_bioguide_id) : 'vacant';
          yield [csvSafe(name), r.state ?? '', r.zip ?? '', csvSafe(r.comment), (r.created_at as Date).toISOString(), addressedAs, atSigning, holderNow];
        }
        if (page.length < PACKET_PAGE) return;
        at = page[page.length - 1].cursor_at;
        id = page[page.length - 1].id;
      }
    }
    const csv = stringify({ header: true, columns: [...PACKET_COLUMNS] });
    const source = Readable.from(rows());
    source.on('error', (e) => csv.destroy(e));
    const stream = source.pipe(csv);
    return { filename: `${petition.slug}-${senator?.bioguideId ?? vacantRole}.csv`, stream, senator: senator ?? null };
  }
}
