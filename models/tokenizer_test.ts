import assert from "node:assert/strict";
import { addsBosByDefault, byteTokenizer, loadTokenizer } from "./tokenizer.ts";
import { llama2Tokenizer, sharedSkip, stories260K } from "../testdata/fixtures.ts";

const expected = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/tokenizers/expected_ids.json", import.meta.url)),
);
const ignore = sharedSkip !== "";

Deno.test({
  name:
    `encodings equal Python tokenizers' ids for the llama2 and stories260K tokenizers${sharedSkip}`,
  ignore,
  fn: () => {
    const tokenizers = {
      llama2: loadTokenizer(llama2Tokenizer, {}),
      stories260K: loadTokenizer(stories260K, { bos: 1, eos: 2 }),
    };
    let checked = 0, divergent = 0;
    for (const c of expected.cases) {
      const tokenizer = tokenizers[c.tokenizer as keyof typeof tokenizers];
      const ids = tokenizer.encode(c.text, c.add_special_tokens);
      let want: number[] = c.ids;
      if (c.tokenizer === "stories260K" && want.some((id) => id >= 512)) {
        // Python's tokenizers gives a literal "<s>" / "</s>" in the text the ids 512 / 513,
        // outside this model's 512-entry vocabulary; @huggingface/tokenizers gives the added
        // tokens' own ids 1 / 2. Held exactly to that one difference.
        want = want.map((id) => id === 512 ? 1 : id === 513 ? 2 : id);
        divergent++;
      }
      assert.deepEqual(ids, want, `${c.tokenizer} ${JSON.stringify(c.text.slice(0, 40))}`);
      checked++;
    }
    assert.equal(checked, 136);
    assert.equal(divergent, 4);
  },
});

Deno.test({
  name: `decoding drops special tokens and round-trips plain text${sharedSkip}`,
  ignore,
  fn: () => {
    const tokenizer = loadTokenizer(llama2Tokenizer, {});
    assert.equal(tokenizer.bosTokenId, 1);
    assert.equal(tokenizer.eosTokenId, 2);
    for (const text of ["Hello world, it's 2024!", "naïve café 🤖", "a\n\nb ### c"]) {
      assert.equal(tokenizer.decode(tokenizer.encode(text, true)), text);
    }
  },
});

Deno.test("the paper's policy adds BOS for Gemma only", () => {
  assert.equal(addsBosByDefault("gemma"), true);
  for (const a of ["llama", "mistral", "opt"]) assert.equal(addsBosByDefault(a), false);
});

Deno.test("the byte tokenizer of synthetic models round-trips UTF-8", () => {
  const ids = byteTokenizer.encode("héllo ✓", true);
  assert.equal(ids[0], 1);
  assert.ok(ids.slice(1).every((id) => id >= 3 && id < 259));
  assert.equal(byteTokenizer.decode(ids), "héllo ✓");
});

Deno.test("a missing or broken tokenizer.json names the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(() => loadTokenizer(dir, {}), new RegExp(`${dir}/tokenizer.json: cannot read`));
    Deno.writeTextFileSync(`${dir}/tokenizer.json`, "[1, 2");
    assert.throws(() => loadTokenizer(dir, {}), /tokenizer.json: cannot read it as JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `a text tokenised again gives the same ids, each caller its own array${sharedSkip}`,
  ignore,
  fn: () => {
    const tokenizer = loadTokenizer(llama2Tokenizer, {});
    const text = "Question: How do I ready a guinea pig cage?\nAnswer:";
    const first = tokenizer.encode(text, false);
    first.push(99999); // the caller's to change
    const again = tokenizer.encode(text, false), withBos = tokenizer.encode(text, true);
    assert.deepEqual(again, first.slice(0, -1));
    assert.deepEqual(withBos, [1, ...again]);
    assert.deepEqual(loadTokenizer(llama2Tokenizer, {}).encode(text, false), again); // a fresh one
  },
});
