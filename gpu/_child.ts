/**
 * What the GPU tests that compare a switch's settings share: a script of this folder run in a
 * process of its own (the engine reads its switches once a process), its standard output parsed
 * as JSON.
 *
 * @module
 */
import assert from "node:assert/strict";

/** The JSON that `script` (a file beside this one) prints with `env` set; asserts it succeeded. */
export async function childOutputs<T>(script: string, env: Record<string, string>): Promise<T> {
  const path = new URL(`./${script}`, import.meta.url).pathname;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", path],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.ok(result.success, `${script} with ${JSON.stringify(env)}: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(result.stdout));
}
