/**
 * `deno task generate`: generate from a prompt with GRIFFIN.
 *
 *   deno task generate --model PATH|ORG/NAME[@REV]|synthetic:NAME (--prompt TEXT | --prompt-file F | --prompt-ids 1,2,3)
 *     [--density D|D1,D2,…] [--method M] [--seed S] [--max-new-tokens N]
 *     [--greedy | --temperature T --top-k K --top-p P] [--stop TEXT]… [--bos | --no-bos]
 *     [--device cpu|cuda:N] [--dtype f32|f16|bf16] [--json]
 *
 * @module
 */
import type { SamplingOptions } from "../engine/types.ts";
import { parseFlags, tokenIds, UsageError } from "./cli_args.ts";
import {
  COMMON_FLAGS,
  griffinFromFlags,
  openFromFlags,
  readFlagFile,
  runCommand,
} from "./cli_common.ts";

const USAGE = `usage: deno task generate --model PATH|ORG/NAME[@REV]|synthetic:NAME
  (--prompt TEXT | --prompt-file F | --prompt-ids 1,2,3)
  [--density D|D1,D2,…] [--method topk|sample|topk_sample|random|magnitude] [--seed S]
  [--max-new-tokens N] [--greedy | --temperature T --top-k K --top-p P] [--stop TEXT]…
  [--bos | --no-bos] [--device cpu|cuda:N] [--dtype f32|f16|bf16] [--json]`;

await runCommand(async () => {
  const flags = parseFlags(Deno.args, {
    ...COMMON_FLAGS,
    prompt: "string",
    "prompt-file": "string",
    "prompt-ids": "numbers",
    "max-new-tokens": "number",
    greedy: "switch",
    temperature: "number",
    "top-k": "number",
    "top-p": "number",
    stop: "strings",
  });
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const sources = ["prompt", "prompt-file", "prompt-ids"].filter((f) => flags[f] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError("give exactly one of --prompt, --prompt-file, --prompt-ids");
  }
  const sampled = ["temperature", "top-k", "top-p"].some((f) => flags[f] !== undefined);
  if (flags.greedy && sampled) {
    throw new UsageError("--greedy excludes --temperature, --top-k and --top-p");
  }
  const maxNewTokens = (flags["max-new-tokens"] as number | undefined) ?? 128;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new UsageError(`--max-new-tokens: ${maxNewTokens} is not a whole number ≥ 0`);
  }
  const griffin = griffinFromFlags(flags);
  const sampling: SamplingOptions = {
    greedy: !sampled,
    temperature: (flags.temperature as number | undefined) ?? 1,
    topK: (flags["top-k"] as number | undefined) ?? 0,
    topP: (flags["top-p"] as number | undefined) ?? 1,
    seed: griffin.seed,
  };
  const model = await openFromFlags(flags);
  try {
    const promptIds = flags["prompt-ids"] !== undefined
      ? tokenIds("prompt-ids", flags["prompt-ids"] as number[])
      : model.encode(
        flags.prompt !== undefined
          ? flags.prompt as string
          : readFlagFile("prompt-file", flags["prompt-file"] as string),
      );
    const result = model.generate({
      promptIds,
      maxNewTokens,
      sampling,
      griffin,
      stopStrings: flags.stop as string[] | undefined,
    });
    const t = result.timings;
    if (flags.json) {
      console.log(JSON.stringify({
        model: model.info.id,
        ...(model.info.hub ? { repo: model.info.hub.repo, commit: model.info.hub.commit } : {}),
        device: model.info.device,
        density: griffin.density,
        method: griffin.method,
        seed: griffin.seed,
        prompt_ids: result.promptIds,
        output_ids: result.outputIds,
        text: result.text,
        stop_reason: result.stopReason,
        experts: result.experts,
        timings: {
          prompt_ms: t.promptMs,
          selection_ms: t.selectionMs,
          decode_ms_per_token: t.decodeMsPerToken,
          tokens_per_second: t.tokensPerSecond,
          token_ms: t.tokenMs,
        },
      }));
    } else {
      console.log(result.text);
      console.error(
        `${result.outputIds.length} tokens (${result.stopReason}); prompt phase ` +
          `${t.promptMs.toFixed(2)} ms (selection ${t.selectionMs.toFixed(2)} ms); ` +
          `${t.tokensPerSecond.toFixed(0)} tokens/s`,
      );
    }
  } finally {
    model.close();
  }
});
