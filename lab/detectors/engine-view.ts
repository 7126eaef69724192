/**
 * Folds the interception engine's typed events into Evidence's `engine` view for one cell. A cell
 * is one visit, but a client may open several connections (retries, browsers' preconnects), so
 * the connection picked is the last one whose ClientHello carried the site's SNI.
 */
import type { EngineEvent } from '../proxy/types.ts';
import type { EngineView } from './evidence.ts';

export function engineViewFromEvents(events: readonly EngineEvent[], site: string): EngineView {
  const hellos = events.filter((event): event is Extract<EngineEvent, { type: 'client-hello' }> => event.type === 'client-hello' && event.sni === site);
  const hello = hellos.at(-1);
  if (!hello) return {};
  const ofConnection = events.filter((event) => event.conn === hello.conn);
  const view: EngineView = { clientHello: compact({ sni: hello.sni, alpn: hello.alpn, ja3: hello.ja3, ja4: hello.ja4, version: hello.version }) };
  for (const event of ofConnection) {
    if (event.type === 'decision') view.decision = { action: event.action, reason: event.reason };
    if (event.type === 'upstream-hello') view.upstreamHello = compact({ ja3: event.ja3, ja4: event.ja4, destination: event.destination });
    if (event.type === 'handshake-failed') {
      (view.handshakeFailures ??= []).push({ side: event.side, cause: event.cause, message: event.message });
    }
  }
  return view;
}

/** JSON has no undefined; dropping the keys keeps evidence files diffable */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
