/**
 * `deno task score`: log-likelihood of a continuation given a context, with GRIFFIN.
 *
 *   deno task score --model PATH (--context TEXT --continuation TEXT |
 *     --context-ids 1,2 --continuation-ids 3,4) [--mode gen|class] [--density D] [--method M]
 *     [--seed S] [--bos | --no-bos] [--device cpu|cuda:N] [--json]
 *
 * @module
 */
import { type Mode, MODES } from "../engine/types.ts";
import { encodePair } from "../tasks/encode_pair.ts";
import { parseFlags, tokenIds, UsageError } from "./cli_args.ts";
import { COMMON_FLAGS, griffinFromFlags, openFromFlags, runCommand } from "./cli_common.ts";

const USAGE = `usage: deno task score --model PATH|ORG/NAME[@REV]|synthetic:NAME
  (--context TEXT --continuation TEXT | --context-ids 1,2 --continuation-ids 3,4)
  [--mode gen|class] [--density D|D1,D2,…] [--method M] [--seed S] [--bos | --no-bos]
  [--device cpu|cuda:N] [--dtype f32|f16|bf16] [--json]`;

await runCommand(async () => {
  const flags = parseFlags(Deno.args, {
    ...COMMON_FLAGS,
    context: "string",
    continuation: "string",
    "context-ids": "numbers",
    "continuation-ids": "numbers",
    mode: "string",
  });
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const text = flags.context !== undefined || flags.continuation !== undefined;
  const ids = flags["context-ids"] !== undefined || flags["continuation-ids"] !== undefined;
  if (text === ids) {
    throw new UsageError(
      "give --context and --continuation, or --context-ids and --continuation-ids",
    );
  }
  if (text && (flags.context === undefined || flags.continuation === undefined)) {
    throw new UsageError("--context and --continuation go together");
  }
  const mode = (flags.mode as string | undefined) ?? "class";
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode: "${mode}" is not gen or class`);
  }
  const griffin = griffinFromFlags(flags);
  const model = await openFromFlags(flags);
  try {
    const pair = ids
      ? {
        contextIds: tokenIds("context-ids", (flags["context-ids"] as number[]) ?? []),
        continuationIds: tokenIds(
          "continuation-ids",
          (flags["continuation-ids"] as number[]) ?? [],
        ),
      }
      : encodePair(model, flags.context as string, flags.continuation as string);
    const result = model.score({ ...pair, mode: mode as Mode, griffin });
    if (flags.json) {
      console.log(JSON.stringify({
        model: model.info.id,
        ...(model.info.hub ? { repo: model.info.hub.repo, commit: model.info.hub.commit } : {}),
        mode,
        density: griffin.density,
        method: griffin.method,
        seed: griffin.seed,
        context_ids: pair.contextIds,
        continuation_ids: pair.continuationIds,
        loglikelihood: result.loglikelihood,
        logprobs: result.logprobs,
        greedy: result.greedy,
        experts: result.experts,
        timings: { prompt_ms: result.timings.promptMs, selection_ms: result.timings.selectionMs },
      }));
    } else {
      console.log(
        `loglikelihood ${result.loglikelihood.toFixed(6)} over ${result.logprobs.length} tokens ` +
          `(${result.greedy ? "greedy" : "not greedy"})`,
      );
    }
  } finally {
    model.close();
  }
});
