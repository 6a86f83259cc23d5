import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Repository } from 'typeorm';
import { Env } from '../core/config/env';
import type { Caller } from '../core/http/caller';
import { ApiKey, ApiKeyRole } from './api-key.entity';

export type { Caller } from '../core/http/caller';

const ROLE_RANK: Record<ApiKeyRole, number> = { viewer: 1, organizer: 2, admin: 3 };
export const roleAtLeast = (role: ApiKeyRole, needed: ApiKeyRole) => ROLE_RANK[role] >= ROLE_RANK[needed];

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
const LAST_USED_GRANULARITY_MS = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly bootstrapHash?: Buffer;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    env: Env,
  ) {
    if (env.ADMIN_API_KEY) this.bootstrapHash = Buffer.from(hashKey(env.ADMIN_API_KEY), 'hex');
  }

  /** Creates a key; the plain key is returned only here and never stored. */
  async create(name: string, role: ApiKeyRole): Promise<{ key: string; apiKey: ApiKey }> {
    const key = `clk_${randomBytes(32).toString('base64url')}`;
    const saved = await this.keys.save(this.keys.create({ name, role, prefix: key.slice(0, 12), keyHash: hashKey(key) }));
    const { keyHash: _omit, ...apiKey } = saved;
    void _omit;
    return { key, apiKey: apiKey as ApiKey };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string): Promise<ApiKey> {
    const key = await this.keys.findOne({ where: { id } });
    if (!key) throw new NotFoundException(`API key ${id} not found`);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.update({ id }, { revokedAt: key.revokedAt });
    }
    return key;
  }

  /** Resolves a presented key to its caller, or null when it is unknown or revoked. */
  async authenticate(presented: string): Promise<Caller | null> {
    if (!presented || presented.length > 200) return null;
    const hash = hashKey(presented);
    if (this.bootstrapHash && timingSafeEqual(this.bootstrapHash, Buffer.from(hash, 'hex'))) {
      return { keyId: null, userId: null, email: null, role: 'admin', label: 'ADMIN_API_KEY' };
    }
    // Lookup by hash: the unique index on key_hash; comparing hashes, not keys, leaks nothing useful by timing.
    const key = await this.keys.findOne({ where: { keyHash: hash } });
    if (!key || key.revokedAt) return null;
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      await this.keys.update({ id: key.id }, { lastUsedAt: new Date() });
    }
    return { keyId: key.id, userId: null, email: null, role: key.role, label: `API key "${key.name}"` };
  }
}
