import { takeContractMismatches } from './contract-check';

/**
 * The contract check's verdict (issue 13), after every e2e test: a response that broke the committed OpenAPI
 * document fails the test that caused it, naming the route, the status and what did not match.
 */
function assertContractKept(): void {
  const mismatches = takeContractMismatches();
  if (!mismatches.length) return;
  const unique = [...new Set(mismatches)];
  throw new Error(
    `${mismatches.length} response(s) broke the OpenAPI contract (openapi/cloture.openapi.json; fix the decorators/DTOs and run npm run openapi):\n  ${unique.slice(0, 20).join('\n  ')}`,
  );
}

afterEach(assertContractKept);
afterAll(assertContractKept);
