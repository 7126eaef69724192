/** lab/proxy public API: the interception engine, its target lists and its building blocks. */
export { startEngine, type Engine } from './engine.ts';
export type * from './types.ts';
export { TARGET_LIST_NAMES, targetList, targetPolicyFrom, parseTargetFile, readTargetFile, isTarget, normaliseName } from './targets.ts';
export { KZ_2019_BOX_UPSTREAM } from './upstream.ts';
export { frameClientHello, parseClientHello, MAX_CLIENT_HELLO, type ClientHelloInfo } from './client-hello.ts';
export { conntrackLookup, localAddressLookup, defaultOriginalDestination, parseConntrack } from './original-destination.ts';
export { classifyFailure } from './failure.ts';
export { DEFAULT_TIMEOUTS, TIMEOUT_OPTIONS, resolveTimeouts, type EngineTimeouts } from './timeouts.ts';
export { installLastResortGuard, engineBugMode, engineBugCount, reportOnStderr, ENGINE_BUG_EXIT_CODE, type EngineBug, type EngineBugMode, type EngineBugSink } from './last-resort.ts';
