import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';

/** A canonical UUID (any version), as PostgreSQL's `uuid` type prints it, either case. The one copy of the rule. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): boolean => typeof value === 'string' && UUID_PATTERN.test(value);

/**
 * The pipe of every uuid route parameter: anything else is a 400 in the error envelope naming the parameter (never
 * a 500 from PostgreSQL's uuid cast). `@Param('id', uuidParam()) id: string`.
 */
export const uuidParam = (name = 'id') =>
  new ParseUUIDPipe({
    exceptionFactory: () => new BadRequestException({ message: `${name}: must be a UUID`, details: [{ path: name, message: 'must be a UUID' }] }),
  });
