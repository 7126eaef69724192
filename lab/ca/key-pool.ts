/**
 * Pre-generated key pairs, so that forging a leaf never waits for key generation (RSA-2048 with
 * node:crypto takes 50–300 ms). Taking a key starts a background refill; generation runs on the
 * libuv thread pool, a few at a time, never on the event loop.
 */
import { generateLabKeyPair, type KeySpec, type LabKeyPair } from './keys.ts';

export interface KeyPoolOptions {
  /** keys kept ready */
  size?: number;
  /** generations in flight at once (the thread pool has 4 threads by default) */
  concurrency?: number;
  /**
   * refilling starts when this few keys are left (default: half the size), so a short burst of
   * new hosts is served from the pool without key generation competing for the CPU
   */
  lowWater?: number;
}

export class KeyPool {
  readonly spec: KeySpec;
  private size: number;
  private readonly concurrency: number;
  private lowWater: number;
  private filling = false;
  private readonly ready: LabKeyPair[] = [];
  private readonly waiters: Array<{ resolve(pair: LabKeyPair): void; reject(err: Error): void }> = [];
  private inFlight = 0;
  private failure: Error | undefined;
  private listeners: Array<() => void> = [];

  constructor(spec: KeySpec, options: KeyPoolOptions = {}) {
    this.spec = spec;
    this.size = options.size ?? 8;
    this.concurrency = options.concurrency ?? 2;
    this.lowWater = options.lowWater ?? Math.floor(this.size / 2);
  }

  get available(): number {
    return this.ready.length;
  }

  /** Grows the pool (never shrinks it) when a later user asks for more keys ready. */
  ensureSize(size: number): void {
    if (size <= this.size) return;
    this.size = size;
    this.lowWater = Math.max(this.lowWater, Math.floor(size / 2));
  }

  /** key generations under way */
  get generating(): number {
    return this.inFlight;
  }

  /** Resolves once the pool is full. */
  async warm(): Promise<void> {
    this.filling = true;
    while (this.ready.length < this.size) {
      if (this.failure) throw this.failure;
      this.refill();
      await new Promise<void>((resolve) => this.listeners.push(resolve));
    }
  }

  take(): Promise<LabKeyPair> {
    if (this.failure) return Promise.reject(this.failure);
    const pair = this.ready.pop();
    this.refill();
    if (pair) return Promise.resolve(pair);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private notify(): void {
    for (const listener of this.listeners.splice(0)) listener();
  }

  private refill(): void {
    if (this.ready.length <= this.lowWater || this.waiters.length > 0) this.filling = true;
    if (this.ready.length + this.inFlight >= this.size + this.waiters.length) this.filling = false;
    while (this.filling && this.inFlight < this.concurrency && this.ready.length + this.inFlight < this.size + this.waiters.length) {
      this.inFlight++;
      generateLabKeyPair(this.spec).then(
        (pair) => {
          this.inFlight--;
          const waiter = this.waiters.shift();
          if (waiter) waiter.resolve(pair);
          else this.ready.push(pair);
          this.refill();
          this.notify();
        },
        (err: Error) => {
          this.inFlight--;
          this.failure = err;
          for (const waiter of this.waiters.splice(0)) waiter.reject(err);
          this.notify();
        },
      );
    }
  }
}

/** One pool per key kind per process: profiles that want the same kind of key share it. */
const pools = new Map<string, KeyPool>();

export function sharedKeyPool(spec: KeySpec, options?: KeyPoolOptions): KeyPool {
  const id = JSON.stringify([spec.type, spec.modulusLength ?? null, spec.publicExponent ?? null]);
  let pool = pools.get(id);
  if (!pool) {
    pool = new KeyPool(spec, options);
    pools.set(id, pool);
  } else if (options?.size !== undefined) {
    pool.ensureSize(options.size);
  }
  return pool;
}
