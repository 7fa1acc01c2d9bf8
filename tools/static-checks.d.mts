export interface StaticCheck {
  /** what the check proves, as the test and `npm run lint` print it */
  name: string;
  /** the command that repairs what can be repaired automatically */
  fix?: string;
  /** node's arguments: the tool's script and its options */
  args: string[];
}

export const ROOT: string;
export const STATIC_CHECKS: StaticCheck[];
export function runStaticCheck(check: StaticCheck): { ok: boolean; status: number | null; output: string };
