/**
 * A mistake the user can fix (bad flag, malformed file, missing tool). The CLI prints the message
 * without a stack trace and exits 2; anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
