/**
 * One class-mode batch on a synthetic model, for profilers (Nsight Compute, GRIFFIN_PROFILE=1):
 * `deno run -A tools/class_pass.ts [shape] [requests] [tokens] [density]` scores `requests`
 * requests of `tokens` input tokens in one engine call, after one warm-up call of two.
 *
 * @module
 */
import { openModel } from "../engine/open.ts";
import { scoreBatch } from "../engine/score_batch.ts";
import { classRequests } from "../bench/eval_speed.ts";

if (import.meta.main) {
  const [shape = "llama2-7b", count = "10", tokens = "400", density = "1"] = Deno.args;
  const model = await openModel(`synthetic:${shape}`, { device: "cuda:0", dtype: "bf16" });
  try {
    const requests = classRequests(
      Number(count),
      Number(tokens),
      model.info.vocabSize,
      Number(density),
    );
    scoreBatch(model.session, requests.slice(0, 2), { maxSequences: 256, experts: false });
    const started = performance.now();
    const results = scoreBatch(model.session, requests, { maxSequences: 256, experts: false });
    const seconds = (performance.now() - started) / 1000;
    const engineMs = results.reduce((s, r) => s + r.timings.promptMs, 0);
    console.log(`engine call ${engineMs.toFixed(1)} ms of ${(seconds * 1000).toFixed(1)} ms`);
    console.log(
      `${count} × ${tokens} tokens: ${
        (Number(count) * Number(tokens) / seconds).toFixed(0)
      } tokens/s`,
    );
  } finally {
    model.close();
  }
}
