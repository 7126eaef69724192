/** The netns runtime's public API (docs/netns.md). */
export { NetnsLab, type LabTimings } from './lab.ts';
export { Holder, DEFAULT_PREFIX, type HolderOptions } from './holder.ts';
export { checkPrivileges, type PrivilegeCheck, type HolderMode } from './privileges.ts';
export { planTopology, hostPlan, type TopologySpec, type TopologyPlan, type HostPlan, type OriginSpec } from './topology.ts';
export { DEFAULT_LAB_RANGE, parseLabRange, routeStaysInLab } from './address-plan.ts';
export { installSystemTrust, cleanClientEnv, NODE_SYSTEM_TRUST_FLAGS } from './etc-files.ts';
export { interceptionRuleset, type InterceptionMethod, type Selection } from './interception-rules.ts';
export { installInterception, startGatewayEngine, TPROXY_LAUNCHER } from './interception.ts';
export { startNetnsOrigin, type RunningOrigin } from './origins.ts';
export { localiseInterceptor, type Localisation, type LocaliseOptions, type TtlProbeResult } from './ttl-localise.ts';
export { startCapture, type Capture } from './capture.ts';
export { sweepNamedLeftovers, type NamedLeftoversReport } from './gc.ts';
export { findRoutesOutOfLab, assertSealed } from './safety.ts';
export { createNetnsRuntime, netnsRuntime, type NetnsRuntimeOptions, type NetnsLabHandle } from './runtime.ts';
export { ENGINE_PORT } from './gateway.ts';
