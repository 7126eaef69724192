/**
 * Ties an origin's record of a request to the grid cell that made it. Cells run concurrently and
 * several clients visit the same site, so time and User-Agent cannot say which request was whose;
 * a query parameter in the URL the client fetches can (interceptors forward it unchanged).
 */
import type { OriginVisit } from '../../lab/runtime/types.ts';

const PARAMETER = 'tlslab-cell';

function tagOf(state: string, client: string): string {
  return `${state}.${client}`;
}

export function cellUrl(url: string, state: string, client: string): string {
  const tagged = new URL(url);
  tagged.searchParams.set(PARAMETER, tagOf(state, client));
  return tagged.toString();
}

/** The cell's last request that reached the origin, if one did (a refused handshake sends none). */
export function visitOfCell(visits: readonly OriginVisit[], state: string, client: string): OriginVisit | undefined {
  const wanted = tagOf(state, client);
  const tagged = visits.filter((visit) => new URL(visit.path, 'https://origin.invalid').searchParams.get(PARAMETER) === wanted);
  return tagged.at(-1);
}
