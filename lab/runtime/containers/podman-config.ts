import { mkdirSync, writeFileSync } from 'node:fs';
import type { PodmanPaths } from './paths.ts';

/**
 * Hard NOFILE limit for root here is 20000 and root lacks CAP_SYS_RESOURCE, so podman's default
 * (1048576) fails in setrlimit; conmon itself runs with NPROC 32768.
 */
const ULIMITS = ['nofile=20000:20000', 'nproc=32768:32768'];

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** containers.conf: runc because crun refuses hybrid cgroups; lab-owned paths, nothing under /etc. */
export function containersConf(paths: PodmanPaths): string {
  return [
    '[containers]',
    `default_ulimits = [${ULIMITS.map(tomlString).join(', ')}]`,
    '',
    '[network]',
    'network_backend = "netavark"',
    `network_config_dir = ${tomlString(paths.networkConfigDir)}`,
    '',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `tmp_dir = ${tomlString(paths.libpodTmp)}`,
    // each exec otherwise keeps a conmon pair alive for 300 s waiting for the API to read its exit code
    'exit_command_delay = 10',
    '',
  ].join('\n');
}

export function storageConf(paths: PodmanPaths): string {
  return [
    '[storage]',
    'driver = "overlay"',
    `graphroot = ${tomlString(paths.graphRoot)}`,
    `runroot = ${tomlString(paths.runRoot)}`,
    '',
  ].join('\n');
}

/** Writes both files and creates the directories; returns the environment podman must run with. */
export function writePodmanConfig(paths: PodmanPaths): Record<string, string> {
  for (const dir of [paths.home, paths.graphRoot, paths.networkConfigDir, paths.runRoot, paths.libpodTmp]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  writeFileSync(paths.containersConf, containersConf(paths));
  writeFileSync(paths.storageConf, storageConf(paths));
  return { CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf };
}
