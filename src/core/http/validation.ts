import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

export interface FieldError {
  path: string;
  message: string;
}

/** Flatten class-validator's tree into `{path, message}` pairs, paths like `targets[2].role`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const key = /^\d+$/.test(e.property) ? `[${e.property}]` : parent ? `.${e.property}` : e.property;
    const path = `${parent}${key}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      path,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown field $1'),
    }));
    return [...own, ...flattenValidationErrors(e.children ?? [], path)];
  });
}

export class RequestValidationException extends BadRequestException {
  constructor(readonly details: FieldError[]) {
    super({ message: details.map((d) => `${d.path}: ${d.message}`).join('; '), details });
  }
}

/** The one validation pipe: unknown fields rejected, payloads transformed into DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationException(flattenValidationErrors(errors)),
  });
}
