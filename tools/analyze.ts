/**
 * `deno task analyze`: flocking in one prompt, layer by layer — the share of the score energy
 * GRIFFIN's experts keep, how much they overlap the static magnitude set, and the prompt's most
 * active neurons — beside what random sets of the same size would give.
 *
 *   deno task analyze --model PATH|synthetic:NAME (--prompt TEXT | --prompt-file F | --prompt-ids 1,2,3)
 *     [--density D|D1,D2,…] [--method M] [--seed S] [--top N] [--bos | --no-bos]
 *     [--device cpu|cuda:N] [--dtype f32|f16|bf16] [--json]
 *
 * @module
 */
import { observeExperts } from "../bench/expert_observer.ts";
import { promptScores, topExperts } from "../bench/expert_facts.ts";
import { randomJaccard } from "../bench/random_jaccard.ts";
import { layerDensities } from "../engine/densities.ts";
import { parseFlags, tokenIds, UsageError } from "./cli_args.ts";
import {
  COMMON_FLAGS,
  griffinFromFlags,
  openFromFlags,
  readFlagFile,
  runCommand,
} from "./cli_common.ts";

const USAGE = `usage: deno task analyze --model PATH|synthetic:NAME
  (--prompt TEXT | --prompt-file F | --prompt-ids 1,2,3)
  [--density D|D1,D2,…] (default 0.5) [--method topk|sample|topk_sample|random|magnitude]
  [--seed S] [--top N] (neurons listed per layer, default 8) [--bos | --no-bos]
  [--device cpu|cuda:N] [--dtype f32|f16|bf16] [--json]`;

const GREEDY = { greedy: true, temperature: 1, topK: 0, topP: 1, seed: 0 };
const fixed = (x: number | null, digits = 3) => (x === null ? "–" : x.toFixed(digits));

await runCommand(async () => {
  const flags = parseFlags(Deno.args, {
    ...COMMON_FLAGS,
    prompt: "string",
    "prompt-file": "string",
    "prompt-ids": "numbers",
    top: "number",
  });
  if (flags.help) return console.log(USAGE);
  const sources = ["prompt", "prompt-file", "prompt-ids"].filter((f) => flags[f] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError("give exactly one of --prompt, --prompt-file, --prompt-ids");
  }
  const top = (flags.top as number | undefined) ?? 8;
  if (!Number.isInteger(top) || top < 0) {
    throw new UsageError(`--top: ${top} is not a whole number ≥ 0`);
  }
  const griffin = griffinFromFlags({ density: [0.5], ...flags });
  const model = await openFromFlags(flags);
  try {
    const densities = layerDensities(griffin.density, model.info.layers);
    if (densities.every((d) => d === 1)) {
      throw new UsageError(
        "--density 1 keeps every neuron: give a density below 1 to choose experts",
      );
    }
    const promptIds = flags["prompt-ids"] !== undefined
      ? tokenIds("prompt-ids", flags["prompt-ids"] as number[])
      : model.encode(
        flags.prompt !== undefined
          ? flags.prompt as string
          : readFlagFile("prompt-file", flags["prompt-file"] as string),
      );
    const observer = observeExperts(model, { ...griffin, analysis: { experts: true } });
    model.session.setCapture(true); // the prompt's own scores, whatever the method
    observer.model.generate({ promptIds, maxNewTokens: 1, sampling: GREEDY, griffin }); // the prompt phase, one token
    const facts = observer.take()!;
    const ff = model.info.ffSize;
    const layers = facts.sets.map((set, l) => {
      if (set === null) return { layer: l, density: densities[l], k: null };
      const k = Math.floor(ff * densities[l]);
      const { rows, data } = model.session.activations(l);
      const scores = promptScores(data, rows, ff);
      const order = topExperts(scores, top).sort((a, b) => scores[b] - scores[a] || a - b);
      return {
        layer: l,
        density: densities[l],
        k,
        energy_kept: facts.energy[l],
        random_energy_kept: k / ff,
        magnitude_jaccard: facts.magnitudeOverlap[l],
        random_jaccard: randomJaccard(ff, k),
        top_neurons: order.map((j) => ({ neuron: j, score: scores[j] })),
      };
    });
    model.session.setCapture(false);
    const head = {
      model: model.info.id,
      device: model.info.device,
      method: griffin.method,
      seed: griffin.seed,
    };
    if (flags.json) {
      console.log(
        JSON.stringify({
          ...head,
          density: griffin.density,
          ff_size: ff,
          prompt_ids: promptIds,
          layers,
        }),
      );
      return;
    }
    console.log(
      `${model.info.id}: ${model.info.layers} layers, d_ff ${ff}; prompt of ${promptIds.length} ` +
        `tokens; ${griffin.method} at density ${
          densities.join(",").replace(/^([^,]+)(,\1)*$/, "$1")
        }`,
    );
    console.log("layer      k  energy kept (random)  J vs magnitude (random)  top neurons (score)");
    for (const l of layers) {
      if (l.k === null) {
        console.log(`${String(l.layer).padStart(5)}      –  density 1: every neuron kept`);
        continue;
      }
      const neurons = l.top_neurons!.map((n) => `${n.neuron} (${n.score.toFixed(2)})`).join(", ");
      console.log(
        `${String(l.layer).padStart(5)} ${String(l.k).padStart(6)}  ${fixed(l.energy_kept!)} ` +
          `(${fixed(l.random_energy_kept!)})        ${fixed(l.magnitude_jaccard!)} ` +
          `(${fixed(l.random_jaccard!)})            ${neurons}`,
      );
    }
  } finally {
    model.close();
  }
});
