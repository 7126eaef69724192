export { containersRuntime, type ContainersRuntime } from './runtime.ts';
export { upContainersLab, type ContainersLab, type ExecResult, type LabAddresses } from './containers-lab.ts';
export { acquireContainerSession, shutdownContainerSession, type ContainerSession } from './session.ts';
export { probeContainerEngine, startContainerEngine, stopContainerEngine, type ContainerEngine } from './service.ts';
export { ensureImages, ROLES, type Role, type RoleImages } from './images.ts';
export { reap, listLabelled, type ReapSelection, type ReapReport } from './reaper.ts';
export { LAB_LABEL, LAB_LABEL_VALUE, RUN_LABEL, OWNER_LABEL } from './labels.ts';
