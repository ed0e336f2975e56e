import assert from "node:assert/strict";
import { JsoncSyntaxError, parseJsonc } from "./jsonc.ts";

Deno.test("parseJsonc drops comments and trailing commas but keeps them inside strings", () => {
  const text = '{\n  // a comment\n  "url": "http://x/*y*/",\n  "list": [1, 2,], /* block */\n}';
  assert.deepEqual(parseJsonc(text), { url: "http://x/*y*/", list: [1, 2] });
  assert.deepEqual(parseJsonc('{"a": "x,]"}'), { a: "x,]" });
});

Deno.test("parseJsonc finds the column of an unexpected token that JSON.parse does not place", () => {
  assert.throws(() => parseJsonc('{\n  "models": [ }'), /: line 2, column 15: Unexpected token/);
});

Deno.test("parseJsonc reports the line and column of a syntax error", () => {
  try {
    parseJsonc('{\n  "a": 1,\n  "b" 2\n}');
    assert.fail("expected a syntax error");
  } catch (error) {
    assert.ok(error instanceof JsoncSyntaxError);
    assert.equal(error.line, 3);
    assert.match(error.message, /^line 3, column \d+: /);
  }
});
