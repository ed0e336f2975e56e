import assert from "node:assert/strict";
import { checkTaskOptions } from "./options.ts";
import type { TaskOptions } from "./types.ts";

Deno.test("valid options pass and undefined values are ignored", () => {
  checkTaskOptions("xsum", { limit: 3, greedy: true, compat: "reference", seed: 42 }, [
    "greedy",
    "compat",
  ]);
  checkTaskOptions("xsum", { shots: undefined }, []);
});

Deno.test("an option the task does not take is an error naming it", () => {
  assert.throws(
    () => checkTaskOptions("boolq", { windowTokens: 64 }, ["shots"]),
    /Option "windowTokens" of task "boolq" does not apply/,
  );
  assert.throws(
    () => checkTaskOptions("boolq", { lmit: 3 } as unknown as TaskOptions, []),
    /Option "lmit" of task "boolq" is not a task option/,
  );
});

Deno.test("bad values are errors naming the option", () => {
  const cases: [TaskOptions, RegExp][] = [
    [{ limit: 0 }, /"limit".*integer ≥ 1/],
    [{ limit: 1.5 }, /"limit"/],
    [{ shots: -1 }, /"shots"/],
    [{ temperature: 0 }, /"temperature".*> 0/],
    [{ topP: 1.5 }, /"topP"/],
    [{ compat: "python" as "intent" }, /"compat"/],
    [{ windowTokens: 8, promptTokens: 8 }, /"promptTokens".*below windowTokens/],
    [{ greedy: "yes" as unknown as boolean }, /"greedy"/],
    [{ path: "" }, /"path"/],
  ];
  const all: (keyof TaskOptions)[] = [
    "shots",
    "temperature",
    "topP",
    "compat",
    "windowTokens",
    "promptTokens",
    "greedy",
  ];
  for (const [options, pattern] of cases) {
    assert.throws(() => checkTaskOptions("t", options, all), pattern, JSON.stringify(options));
  }
});
