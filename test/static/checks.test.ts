import { describe, expect, it } from 'vitest';
import { runStaticCheck, STATIC_CHECKS } from '../../tools/static-checks.mjs';

/**
 * The static tier, run first by `npm test`: the same checks as `npm run lint`. A failure shows the
 * tool's own output.
 */
describe('static checks', () => {
  for (const check of STATIC_CHECKS) {
    it(check.name, () => {
      const result = runStaticCheck(check);
      const hint = check.fix ? `\n(${check.fix} fixes what can be fixed automatically)` : '';
      expect(result.ok, `${check.name} failed (exit ${result.status}):\n${result.output}${hint}`).toBe(true);
    });
  }
});
