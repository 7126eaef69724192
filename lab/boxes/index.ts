/** The boxes the lab can put in the middle besides its own engine, by name. */
import { mitmproxy } from './mitmproxy.ts';
import { sslsplit } from './sslsplit.ts';
import { squid } from './squid.ts';
import { httpMitmProxy } from './http-mitm-proxy.ts';
import type { Interceptor } from './types.ts';
import { EXTERNAL_BOX } from './external.ts';

/** the lab's own engine: run natively by every runtime, not through an adapter */
export const ENGINE_BOX = 'engine';

const INTERCEPTORS: readonly Interceptor[] = [mitmproxy, sslsplit, squid, httpMitmProxy];

/** every box name a scenario or --box may use; `external` needs the user's proxy address and CA */
export const BOX_NAMES: readonly string[] = [ENGINE_BOX, ...INTERCEPTORS.map((i) => i.name), EXTERNAL_BOX];

export function interceptorNamed(name: string): Interceptor | undefined {
  return INTERCEPTORS.find((i) => i.name === name);
}

export type { Interceptor, BoxPolicy, Limitation, RunningBox, TapEvent } from './types.ts';
export { EXTERNAL_BOX, externalInterceptor } from './external.ts';
