/** The CLI's user errors are the lab's: one class, defined where lab/ can use it without importing harness/. */
export { UserError } from '../lab/errors.ts';
