/* analysis.experts end to end: the real runner in worker processes, the store, the report. */
import assert from "node:assert/strict";
import { librarySkip } from "../testdata/fixtures.ts";
import { writeReport } from "../reports/write_report.ts";
import { readSideEntries } from "./experts_store.ts";
import { readStore } from "./records.ts";
import { DEFAULT_RUNNER } from "./runner.ts";
import { runSweep } from "./run_sweep.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test({
  name:
    `a real sweep with analysis.experts records facts per sample and the report draws them${librarySkip}`,
  ignore: librarySkip !== "",
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/sweep.jsonc`,
      JSON.stringify({
        models: [{ id: `${ROOT}models/griffin-mini-llama`, label: "mini" }],
        densities: [1, 0.5],
        methods: ["topk", "magnitude"],
        tasks: [
          {
            name: "perplexity",
            path: `${ROOT}models/griffin-mini-llama/heldout.txt`,
            limit: 2,
            windowTokens: 64,
            promptTokens: 32,
          },
          {
            name: "lambada_openai",
            path: `${ROOT}models/griffin-mini-llama/cloze.jsonl`,
            limit: 3,
          },
        ],
        analysis: { experts: true },
      }),
    );
    const log: string[] = [];
    const out = `${dir}/out`;
    const code = await runSweep({
      file: `${dir}/sweep.jsonc`,
      runner: DEFAULT_RUNNER,
      out,
      gpus: "none",
      print: (text) => log.push(text),
    });
    assert.equal(code, 0, log.join("\n"));
    const { jobs, samples } = await readStore(out);
    let heatmaps = 0;
    for (const job of jobs) {
      const list = samples.get(job.jobId)!;
      if (job.density === 1) {
        assert.ok(list.every((s) => s.experts === undefined));
        continue;
      }
      const entries = await readSideEntries(out, job.jobId);
      for (const s of list) {
        assert.equal(s.experts!.energy.length, 7);
        const found = entries.get(`${s.attempt}/experts/${s.id}`)!;
        assert.equal(found.offset, s.experts!.at);
        assert.ok(
          found.entry.kind === "experts" && found.entry.sets.every((x) => x?.length === 86),
        );
        if (s.experts!.activationsAt !== undefined) heatmaps++;
      }
      if (job.method === "magnitude") {
        assert.ok(list.every((s) => s.experts!.magnitudeOverlap.every((x) => x === 1)));
      }
    }
    assert.equal(heatmaps, 1);
    const page = await Deno.readTextFile((await writeReport(out)).html);
    assert.match(page, /Prompt activations · mini \(perplexity, sample 0\)/);
    assert.equal(page.match(/<canvas class="heatmap"/g)?.length, 3);
    await Deno.remove(dir, { recursive: true });
  },
});
