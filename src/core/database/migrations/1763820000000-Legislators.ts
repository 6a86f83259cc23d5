import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Senate roster (TGT-1): one row per senator ever imported (departed ones are kept, marked out of office, so
 * signatures keep pointing at them) and the current holder of each leadership role.
 */
export class Legislators1763820000000 implements MigrationInterface {
  name = 'Legislators1763820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE legislators (
        bioguide_id text PRIMARY KEY CHECK (bioguide_id ~ '^[A-Z][0-9]{6}$'),
        chamber text NOT NULL DEFAULT 'senate' CHECK (chamber IN ('senate', 'house')),
        official_name text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        state text NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
        party text,
        senate_class smallint CHECK (senate_class BETWEEN 1 AND 3),
        state_rank text CHECK (state_rank IN ('senior', 'junior')),
        office text,
        address text,
        phone text,
        url text,
        contact_form text,
        term_start date,
        term_end date,
        in_office boolean NOT NULL DEFAULT true,
        left_office_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // "Your senators": current senators of one state.
    await q.query(`CREATE INDEX legislators_state_in_office_idx ON legislators (chamber, state) WHERE in_office`);

    await q.query(`
      CREATE TABLE leadership_roles (
        role text PRIMARY KEY
          CHECK (role IN ('majority_leader', 'minority_leader', 'majority_whip', 'minority_whip', 'president_pro_tempore')),
        bioguide_id text NOT NULL REFERENCES legislators (bioguide_id),
        title text NOT NULL,
        since date,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX leadership_roles_bioguide_idx ON leadership_roles (bioguide_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE leadership_roles`);
    await q.query(`DROP TABLE legislators`);
  }
}
