/** Running the real CLI from tests, and the smallest scenario that exercises a whole grid. */
import { spawnSync } from 'node:child_process';

export function tlslab(args: string[]) {
  return spawnSync(process.execPath, ['bin/tlslab.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

// node is the one client that is always there: it is the interpreter running the lab
export const nodeScenario = (id: string, expectControl = 'loaded') => `id: ${id}
authority: { preset: qaznet-2019 }
interception: { targets: [vk.com], forging: kz-2019, upstream: { verify: true } }
sites: [vk.com, control.example.kz]
clients: [node]
states:
  - name: installed
    trust: [rogue]
    expect: { "*": loaded, control.example.kz: ${expectControl} }
`;
