/**
 * The engine's event bus: every event is emitted under its own type and under 'event', stamped
 * with the connection id and the time, so consumers never assemble those themselves.
 */
import { EventEmitter } from 'node:events';
import type { EngineEvent } from './types.ts';

type Unstamped<E> = E extends EngineEvent ? Omit<E, 'conn' | 'time'> : never;
export type EventInput = Unstamped<EngineEvent>;

export class EngineEventBus extends EventEmitter {
  private lastConn = 0;

  nextConnectionId(): number {
    return ++this.lastConn;
  }

  publish(conn: number, event: EventInput): void {
    const stamped = { ...event, conn, time: Date.now() } as EngineEvent;
    // a throwing listener must not take down the connection that produced the event
    try {
      this.emit(stamped.type, stamped);
      this.emit('event', stamped);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}
