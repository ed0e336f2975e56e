/**
 * Facts about where a sweep runs, recorded with every job: host, OS, Deno, git commit and the
 * device's name and driver.
 *
 * @module
 */
import type { Environment } from "./records.ts";
import type { Gpu } from "./devices.ts";

/** Environment fields shared by every job of a run (the device comes per worker). */
export type HostFacts = Omit<Environment, "device" | "deviceName" | "driver" | "engineBuild">;

async function git(args: string[]): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("git", {
      args,
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The repository's commit, `-dirty` when tracked files have changes. */
export async function gitCommit(): Promise<string | undefined> {
  const head = await git(["rev-parse", "HEAD"]);
  if (!head) return undefined;
  const changes = await git(["status", "--porcelain", "--untracked-files=no"]);
  return changes ? `${head}-dirty` : head;
}

/** The CPU's model name from /proc/cpuinfo (or the architecture elsewhere). */
export async function cpuName(): Promise<string> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? Deno.build.arch;
  } catch {
    return Deno.build.arch;
  }
}

/** Gathers the facts shared by all jobs of this run. */
export async function hostFacts(sweepHash: string): Promise<HostFacts> {
  return {
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    host: Deno.hostname(),
    gitCommit: await gitCommit(),
    sweepHash,
  };
}

/** The device part of the environment for a worker on `device`. */
export function deviceFacts(
  device: string,
  gpus: readonly Gpu[],
  cpu: string,
): Pick<Environment, "device" | "deviceName" | "driver"> {
  const index = /^cuda:(\d+)$/.exec(device)?.[1];
  const gpu = gpus.find((g) => String(g.index) === index);
  return gpu ? { device, deviceName: gpu.name, driver: gpu.driver } : { device, deviceName: cpu };
}
