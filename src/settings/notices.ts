import type { Settings } from './settings.entity';

export const DEFAULT_NON_DEDUCTIBLE_TEXT = 'Contributions or gifts to {name} are not tax deductible.';

/** The "Paid for by …" sentence of the organization's disclaimer, or null for none. */
export function disclaimerSentence(s: Pick<Settings, 'disclaimerKind' | 'disclaimerPaidBy' | 'disclaimerCandidate' | 'legalName'>): string | null {
  const paidBy = s.disclaimerPaidBy || s.legalName;
  if (!paidBy) return null;
  switch (s.disclaimerKind) {
    case 'committee':
      return `Paid for by ${paidBy}.`;
    case 'committee_authorized_by_candidate':
      return `Paid for by ${paidBy} and authorized by ${s.disclaimerCandidate}.`;
    case 'not_authorized':
      return `Paid for by ${paidBy} and not authorized by any candidate or candidate's committee.`;
    default:
      return null;
  }
}

/** The non-deductibility sentence when the notice is on, with `{name}` replaced by the legal name. */
export function nonDeductibleSentence(s: Pick<Settings, 'nonDeductibleNotice' | 'nonDeductibleText' | 'legalName'>): string | null {
  if (!s.nonDeductibleNotice) return null;
  const text = s.nonDeductibleText || DEFAULT_NON_DEDUCTIBLE_TEXT;
  return text.replace(/\{name\}/g, s.legalName || 'this committee');
}
