import { ValidationError } from 'class-validator';
import { flattenValidationErrors } from './validation';

const err = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []): ValidationError =>
  Object.assign(new ValidationError(), { property, constraints, children });

describe('flattenValidationErrors', () => {
  it('gives each bad field its full path, arrays as [i]', () => {
    const errors = [
      err('email', { isEmail: 'email must be an email' }),
      err('targets', undefined, [err('2', undefined, [err('role', { isIn: 'role must be one of …' })])]),
      err('color', { whitelistValidation: 'property color should not exist' }),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { path: 'email', message: 'email must be an email' },
      { path: 'targets[2].role', message: 'role must be one of …' },
      { path: 'color', message: 'unknown field color' },
    ]);
  });
});
