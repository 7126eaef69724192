/**
 * What this machine can do for the lab: tools on PATH (and the Debian package that provides each),
 * root or not, whether network namespaces and podman work. It only looks; it changes nothing.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface ToolCheck {
  tool: string;
  /** what the lab uses it for */
  purpose: string;
  debianPackage: string;
  path?: string;
}

export interface Capability {
  name: string;
  usable: boolean;
  detail: string;
}

export interface DoctorReport {
  root: boolean;
  tools: ToolCheck[];
  capabilities: Capability[];
}

const TOOLS: readonly Omit<ToolCheck, 'path'>[] = [
  { tool: 'curl', purpose: 'curl client', debianPackage: 'curl' },
  { tool: 'wget', purpose: 'wget client', debianPackage: 'wget' },
  { tool: 'openssl', purpose: 'openssl s_client client', debianPackage: 'openssl' },
  { tool: 'gnutls-cli', purpose: 'gnutls client', debianPackage: 'gnutls-bin' },
  { tool: 'java', purpose: 'java client', debianPackage: 'openjdk-17-jre-headless' },
  { tool: 'keytool', purpose: 'java trust stores', debianPackage: 'openjdk-17-jre-headless' },
  { tool: 'javac', purpose: 'compiles the java client once', debianPackage: 'openjdk-17-jdk-headless' },
  { tool: 'python3', purpose: 'python client', debianPackage: 'python3' },
  { tool: 'chromium', purpose: 'chromium client', debianPackage: 'chromium' },
  { tool: 'firefox-esr', purpose: 'firefox client', debianPackage: 'firefox-esr' },
  { tool: 'certutil', purpose: 'NSS databases for browsers', debianPackage: 'libnss3-tools' },
  { tool: 'ip', purpose: 'netns runtime', debianPackage: 'iproute2' },
  { tool: 'nft', purpose: 'netns transparent interception', debianPackage: 'nftables' },
  { tool: 'iptables', purpose: 'netns transparent interception (fallback)', debianPackage: 'iptables' },
  { tool: 'dnsmasq', purpose: 'netns lab DNS', debianPackage: 'dnsmasq-base' },
  { tool: 'dumpcap', purpose: 'packet captures', debianPackage: 'tshark' },
  { tool: 'podman', purpose: 'containers runtime', debianPackage: 'podman runc netavark aardvark-dns' },
];

async function which(tool: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Runs a command with a deadline; resolves with its exit status and the tail of its output. */
export function tryCommand(argv: readonly string[], timeoutMs = 10_000): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output: output.trim().split('\n').slice(-3).join(' ') });
    });
  });
}

async function netnsCapability(root: boolean, hasIp: boolean): Promise<Capability> {
  if (!hasIp) return { name: 'netns', usable: false, detail: 'ip (iproute2) is missing' };
  // an anonymous namespace that vanishes with the process: proves the kernel lets us, leaves nothing behind
  const probe = await tryCommand(root ? ['unshare', '--net', 'true'] : ['unshare', '--user', '--map-root-user', '--net', 'true']);
  return probe.ok
    ? { name: 'netns', usable: true, detail: root ? 'root: can create network namespaces' : 'rootless via user namespaces' }
    : { name: 'netns', usable: false, detail: `unshare --net failed: ${probe.output}` };
}

async function podmanCapability(hasPodman: boolean): Promise<Capability> {
  if (!hasPodman) return { name: 'podman', usable: false, detail: 'podman is missing (apt-get install podman runc netavark aardvark-dns)' };
  const probe = await tryCommand(['podman', 'info', '--format', '{{.Version.Version}}'], 20_000);
  return probe.ok
    ? { name: 'podman', usable: true, detail: `podman ${probe.output}` }
    : { name: 'podman', usable: false, detail: `podman info failed: ${probe.output}` };
}

export async function runDoctor(): Promise<DoctorReport> {
  const root = process.getuid?.() === 0;
  const tools = await Promise.all(TOOLS.map(async (t) => ({ ...t, path: await which(t.tool) })));
  const has = (tool: string) => tools.some((t) => t.tool === tool && t.path);
  const capabilities = await Promise.all([netnsCapability(root, has('ip')), podmanCapability(has('podman'))]);
  return { root, tools, capabilities };
}

export function renderDoctor(report: DoctorReport): string {
  const out: string[] = [];
  out.push(`user: ${report.root ? 'root' : 'not root (Debian packages cannot be installed by setup; netns needs user namespaces)'}`);
  out.push('', 'tools:');
  const width = Math.max(...report.tools.map((t) => t.tool.length));
  for (const t of report.tools) {
    const status = t.path ? `ok       ${t.path}` : `MISSING  apt-get install ${t.debianPackage}`;
    out.push(`  ${t.tool.padEnd(width)}  ${status}  (${t.purpose})`);
  }
  const missing = [...new Set(report.tools.filter((t) => !t.path).map((t) => t.debianPackage))];
  if (missing.length > 0) out.push('', `to install what is missing: apt-get install ${missing.join(' ')}`);
  out.push('', 'runtimes:', '  loopback  usable   (needs nothing)');
  for (const c of report.capabilities) out.push(`  ${c.name.padEnd(8)}  ${c.usable ? 'usable ' : 'NOT usable'}  ${c.detail}`);
  return out.join('\n') + '\n';
}
