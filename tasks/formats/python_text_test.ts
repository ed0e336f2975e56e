import assert from "node:assert/strict";
import { lowerFirst, pyCapitalize, pyLen, pyRstrip, pyStrip } from "./python_text.ts";

Deno.test("pyStrip strips Python's whitespace set, not the byte-order mark", () => {
  assert.equal(pyStrip("\x1c\x85 a b\u3000\t"), "a b");
  assert.equal(pyStrip("\ufeffa"), "\ufeffa");
  assert.equal(pyRstrip(" a \n\n"), " a");
});

Deno.test("pyCapitalize lowers every character after the first, as str.capitalize does", () => {
  assert.equal(pyCapitalize("the USA is BIG"), "The usa is big");
  assert.equal(pyCapitalize(""), "");
  assert.equal(pyCapitalize("éTÉ"), "Été");
});

Deno.test("lowerFirst lowers only the first code point and pyLen counts code points", () => {
  assert.equal(lowerFirst("Paris and London."), "paris and London.");
  assert.equal(lowerFirst("😀A"), "😀A");
  assert.equal(pyLen("a😀b"), 3);
});
