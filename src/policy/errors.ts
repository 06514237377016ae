/**
 * The error a policy value that cannot be parsed throws: `Cannot use
 * SUBJECT: REASON`, with both parts kept as fields so that a caller
 * (the config parser, a change call) can word its own message without
 * reading this one.
 *
 * @module
 */

export class PolicySyntaxError extends Error {
  constructor(readonly subject: string, readonly reason: string) {
    super(`Cannot use ${subject}: ${reason}`);
  }
}

/** `SUBJECT: REASON` of a policy error, or the error as text. */
export function policyReason(error: unknown): string {
  return error instanceof PolicySyntaxError ? `${error.subject}: ${error.reason}` : String(error);
}
