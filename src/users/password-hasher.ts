import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * argon2id with OWASP's baseline parameters (19 MiB, 2 passes, 1 lane). `algorithm: 2` is Argon2id (the library's
 * `Algorithm` is a const enum, which the test transpiler does not inline).
 */
const ARGON2ID = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** The same password typed on two keyboards (composed or decomposed accents, full-width forms) is one password. */
const prepare = (password: string) => password.normalize('NFKC');

@Injectable()
export class PasswordHasher {
  /**
   * Verified against when there is no account (or no password yet): an unknown address costs the same time as a
   * wrong password, so timing tells nothing about which accounts exist.
   */
  private readonly dummy = hash('not-a-password: the dummy hash for unknown accounts', ARGON2ID);

  hash(password: string): Promise<string> {
    return hash(prepare(password), ARGON2ID);
  }

  /** True when `password` matches `stored`; a missing hash is checked against the dummy and never matches. */
  async verify(stored: string | null | undefined, password: string): Promise<boolean> {
    const target = stored ?? (await this.dummy);
    const ok = await verify(target, prepare(password)).catch(() => false);
    return ok && !!stored;
  }
}
