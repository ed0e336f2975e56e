/**
 * Gen-mode scoring of sequences together on a synthetic model, for timing the teacher-forced
 * steps: `deno run -A tools/gen_score_pass.ts [shape] [requests] [context tokens] [continuation
 * tokens] [density]` scores `requests` gen-mode requests on as many sessions (after a warm-up of
 * two) and prints the continuation tokens scored a second and the steps' own share.
 * GRIFFIN_DEVICE_SCORES=0 brings each step's logits to the host (log-softmax in TypeScript)
 * instead of the targets' scores.
 *
 * @module
 */
import { NativeSession } from "../ffi/session.ts";
import { openModel } from "../engine/open.ts";
import { scoreGenBatch } from "../engine/score_gen_batch.ts";
import type { ScoreRequest } from "../engine/types.ts";

if (import.meta.main) {
  const [shape = "llama2-7b", count = "16", context = "64", continuation = "128", density = "1"] =
    Deno.args;
  const model = await openModel(`synthetic:${shape}`, { device: "cuda:0", dtype: "bf16" });
  const vocab = model.info.vocabSize;
  const sessions = Array.from(
    { length: Number(count) },
    () => new NativeSession(model.native, Number(context) + Number(continuation)),
  );
  try {
    const requests: ScoreRequest[] = Array.from({ length: Number(count) }, (_, i) => ({
      contextIds: Array.from(
        { length: Number(context) },
        (_, j) => 3 + (i * 7919 + j * 104729) % (vocab - 3),
      ),
      continuationIds: Array.from(
        { length: Number(continuation) },
        (_, j) => 3 + (i * 31 + j * 8191) % (vocab - 3),
      ),
      mode: "gen",
      griffin: { density: Number(density), method: "topk", seed: 0 },
    }));
    const onDevice = Deno.env.get("GRIFFIN_DEVICE_SCORES") !== "0";
    scoreGenBatch(sessions, requests.slice(0, 2), { experts: false, onDevice });
    const started = performance.now();
    const results = scoreGenBatch(sessions, requests, { experts: false, onDevice });
    const seconds = (performance.now() - started) / 1000;
    const scored = results.reduce((s, r) => s + r.timings.tokenMs.length, 0);
    const stepMs = results.reduce((s, r) => s + r.timings.tokenMs.reduce((a, b) => a + b, 0), 0);
    console.log(
      `${count} × (${context} + ${continuation}) d=${density}${
        onDevice ? "" : " (logits to the host)"
      }: ` +
        `${(scored / seconds).toFixed(0)} continuation tokens/s end to end, steps ${
          stepMs.toFixed(0)
        } ms of ` +
        `${(seconds * 1000).toFixed(0)} ms`,
    );
  } finally {
    sessions.forEach((s) => s.close());
    model.close();
  }
}
