/**
 * Starting a role container and waiting for its program to be ready are two steps: the container's
 * address is known the moment it runs, and the next containers (and routes) need only that, while
 * a Node role takes seconds more to listen. So containers start with a strategy that waits for
 * nothing, and readiness comes from the role itself (a report-socket message, a log line), bounded.
 */
import type { WaitStrategy } from 'testcontainers';

/** testcontainers' start() returns as soon as the container runs */
export class RunningWaitStrategy implements WaitStrategy {
  private timeoutMs = 30_000;
  private timeoutSet = false;

  async waitUntilReady(): Promise<void> {}

  withStartupTimeout(startupTimeoutMs: number): this {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

export interface Readiness {
  readonly promise: Promise<void>;
  ready(): void;
  failed(reason: string): void;
}

/** ready() or failed() settles it; neither within `timeoutMs` fails it with what `lastWords()` says */
export function readiness(what: string, timeoutMs: number, lastWords: () => string = () => ''): Readiness {
  let settle!: (error?: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => settle(new Error(`${what} was not ready within ${timeoutMs} ms${said(lastWords())}`)), timeoutMs);
    settle = (error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
  });
  // awaited later, possibly after it failed: not an unhandled rejection meanwhile
  promise.catch(() => undefined);
  return {
    promise,
    ready: () => settle(),
    failed: (reason) => settle(new Error(`${what} failed: ${reason}${said(lastWords())}`)),
  };
}

function said(words: string): string {
  return words ? `; it said: ${words}` : '';
}
