export { containersRuntime, createContainersRuntime, type ContainersRuntime } from './runtime.ts';
export { upContainersLab, DEFAULT_ROUTERS, type ContainersLab, type ContainersLabOptions, type ExecResult, type LabAddresses } from './containers-lab.ts';
export { acquireContainerSession, shutdownContainerSession, type ContainerSession } from './session.ts';
export { probeContainerEngine, startContainerEngine, stopContainerEngine, type ContainerEngine } from './service.ts';
export { ensureImage, type BuildResult } from './images.ts';
export { execCliFor, type ExecCli } from './exec-cli.ts';
export { reap, listLabelled, type ReapSelection, type ReapReport } from './reaper.ts';
export { LAB_LABEL, LAB_LABEL_VALUE, RUN_LABEL, OWNER_LABEL } from './labels.ts';
