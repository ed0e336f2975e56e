import assert from "node:assert/strict";
import { field, readJsonl } from "./jsonl.ts";

Deno.test("JSONL rows are read with blank lines skipped and bad lines named", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/ok.jsonl`, '{"a": 1}\n\n{"a": "é"}\n');
  assert.deepEqual(await readJsonl(`${dir}/ok.jsonl`), [{ a: 1 }, { a: "é" }]);
  await Deno.writeTextFile(`${dir}/bad.jsonl`, '{"a": 1}\n{"a": \n');
  await assert.rejects(() => readJsonl(`${dir}/bad.jsonl`), /bad\.jsonl:2: not valid JSON/);
  await Deno.writeTextFile(`${dir}/list.jsonl`, "[1]\n");
  await assert.rejects(
    () => readJsonl(`${dir}/list.jsonl`),
    /list\.jsonl:1: each line must be a JSON object/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a missing or mistyped field is an error naming file, row and field", () => {
  assert.equal(field({ gold: 1 }, "gold", "number", "f.jsonl", 0), 1);
  assert.throws(
    () => field({ gold: "1" }, "gold", "number", "f.jsonl", 4),
    /f\.jsonl: row 5 needs field "gold" as a number/,
  );
  assert.throws(() => field({}, "choices", "array", "f.jsonl", 0), /"choices" as a array/);
});
