/*
 * The engine against outputs of PyTorch/transformers with an independent GRIFFIN written from
 * GRIFFIN.md (tools/reference/, run on the H200; testdata/stories260K/reference.json):
 * logits within fp32 tolerance, identical experts, identical greedy tokens and log-likelihoods.
 */
import assert from "node:assert/strict";
import { openModel } from "./open.ts";
import { GREEDY } from "./sampler.ts";
import type { SelectionMethod } from "./types.ts";
import { sharedSkip, stories260K } from "../testdata/fixtures.ts";
import { assertClose } from "../testdata/assert_close.ts";

const ignore = sharedSkip !== "";
const reference = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/stories260K/reference.json", import.meta.url)),
);

type Experts = (number[] | null)[] | null;
const LOGIT_TOLERANCE = 1e-4;

/** Layers that selected experts (null at density 1) in the reference's convention. */
function expectedExperts(experts: Experts): Experts {
  return experts && experts.every((e) => e === null) ? null : experts;
}

async function withModel(fn: (m: Awaited<ReturnType<typeof openModel>>) => void) {
  const model = await openModel(stories260K, { device: "cpu" });
  try {
    fn(model);
  } finally {
    model.close();
  }
}

Deno.test({
  name: `full-model logits at every position match transformers within fp32 tolerance${sharedSkip}`,
  ignore,
  fn: () =>
    withModel((m) => {
      for (const c of reference.full_logits) {
        m.session.setGriffin([1, 1, 1, 1, 1], "topk", 0);
        const logits = m.session.prompt(new Int32Array(c.prompt_ids), true);
        assertClose(
          logits,
          c.logits.flat(),
          LOGIT_TOLERANCE,
          `logits of ${c.prompt_ids.length} tokens`,
        );
      }
    }),
});

Deno.test({
  name:
    `gen mode: experts, scores and greedy tokens match the reference at every density${sharedSkip}`,
  ignore,
  fn: () =>
    withModel((m) => {
      const cases = [...reference.gen_cases, ...reference.schedule_cases];
      for (const c of cases) {
        const density = c.densities ?? c.density;
        const what = `${c.method} at ${density} on ${c.prompt_ids.length} tokens`;
        const result = m.generate({
          promptIds: c.prompt_ids,
          maxNewTokens: c.greedy_ids.length,
          sampling: GREEDY,
          griffin: { density, method: c.method as SelectionMethod, seed: 0 },
          stopTokenIds: [],
        });
        assert.deepEqual(result.experts, expectedExperts(c.experts), `experts, ${what}`);
        assert.deepEqual(result.outputIds, c.greedy_ids, `greedy ids, ${what}`);
        if (c.scores && c.method !== "magnitude") {
          for (const [l, s] of c.scores.entries()) {
            if (s) {
              assertClose(m.session.neuronScores(l)!, s, 1e-4, `scores of layer ${l}, ${what}`);
            }
          }
        }
      }
    }),
});

Deno.test({
  name:
    `class and gen scoring: experts, log-probabilities and greedy flags match the reference${sharedSkip}`,
  ignore,
  fn: () =>
    withModel((m) => {
      for (const c of [...reference.class_cases, ...reference.gen_score_cases]) {
        const what =
          `${c.mode} ${c.method} at ${c.density}, ${c.context_ids.length}+${c.continuation_ids.length}`;
        const result = m.score({
          contextIds: c.context_ids,
          continuationIds: c.continuation_ids,
          mode: c.mode,
          griffin: { density: c.density, method: c.method as SelectionMethod, seed: 0 },
        });
        assert.deepEqual(result.experts, expectedExperts(c.experts), `experts, ${what}`);
        assertClose(result.logprobs, c.logprobs, 1e-4, `logprobs, ${what}`);
        assert.equal(result.greedy, c.greedy, `greedy, ${what}`);
      }
    }),
});

Deno.test({
  name: `sampled methods keep as many experts as the reference does${sharedSkip}`,
  ignore,
  fn: () =>
    withModel((m) => {
      for (const c of reference.sampled_cases) {
        m.session.setGriffin(Array(5).fill(c.density), c.method, c.seed);
        m.session.prompt(new Int32Array(c.prompt_ids));
        const kept = [0, 1, 2, 3, 4].map((l) => m.session.experts(l)!.length);
        assert.deepEqual(kept, c.k_kept, `${c.method} at ${c.density}`);
      }
    }),
});
