/**
 * The vocabulary of tasks: their options, per-sample records and results. The harness,
 * reports and sweeps build on these names.
 *
 * @module
 */

import type { Mode } from "../engine/types.ts";
import type { RecordedRequest } from "./recorded_request.ts";

/** Options of one task run; each task accepts the subset that applies to it. */
export interface TaskOptions {
  /** Data file; default `$GRIFFIN_DATA/<rel>` or `<repo>/../shared/data/<rel>`. */
  path?: string;
  /** At most this many samples (windows, for perplexity), from the start of the file. */
  limit?: number;
  /** Few-shot examples per prompt, drawn reproducibly from the other rows of the file. */
  shots?: number;
  /** Seed of few-shot draws and token sampling. */
  seed?: number;
  /** At most this many new tokens per generation. */
  maxNewTokens?: number;
  /** Arg-max decoding instead of sampling. */
  greedy?: boolean;
  /** Sampling temperature (> 0). */
  temperature?: number;
  /** Nucleus sampling threshold in (0, 1]; 1 turns it off. */
  topP?: number;
  /** Keep the k most likely tokens; 0 turns it off. */
  topK?: number;
  /** Also run the full model (density 1) and report agreement metrics. */
  agreement?: boolean;
  /** `intent` (default) or `reference`: the GRIFFIN scripts' quirks, reproduced. */
  compat?: "intent" | "reference";
  /**
   * Multiple choice: `dataset` (the dataset's own rows, rendered as the paper's
   * lm-evaluation-harness v0.3) or `llm-foundry` (query/choices/gold files); by default told
   * from the first row's fields.
   */
  format?: "dataset" | "llm-foundry";
  /** Perplexity: tokens per window. */
  windowTokens?: number;
  /** Perplexity: the first tokens of each window, run as the prompt phase. */
  promptTokens?: number;
}

/** What one evaluated sample produced. */
export interface SampleRecord {
  /** Stable id: the row (or window) number in the file, as a string. */
  id: string;
  /** The prompt as given to the model (the context, for log-likelihood tasks). */
  prompt: string;
  /** The reference (gold answer, summary, continuation). */
  reference?: string;
  /** The generated text after task post-processing (or the chosen option). */
  output?: string;
  /** Per-sample metric values and the counts aggregates need. */
  metrics: Record<string, number>;
  /** How the task rendered its requests (e.g. the paper's lm-evaluation-harness v0.3). */
  rendering?: string;
  /** What was scored: each request's context (or its hash and ends) and continuation. */
  requests?: RecordedRequest[];
}

/** One request a task makes, as `deno task requests` lists it. */
export type TaskRequest =
  | {
    /** 0-based row index in the data file. */
    doc: string;
    /** The context. */
    context: string;
    /** The continuation whose log-likelihood is scored. */
    continuation: string;
  }
  | {
    /** 0-based row index in the data file. */
    doc: string;
    /** The prompt. */
    context: string;
    /** Generation stops at these strings. */
    until: string[];
  };

/** A task's requests and the rendering they got. */
export interface TaskRequests {
  /** The rendering, in words. */
  rendering: string;
  /** Every request, document by document, choices in order. */
  requests: TaskRequest[];
}

/** An aggregate metric. */
export interface MetricValue {
  /** The aggregate. */
  value: number;
  /** Its bootstrap standard error. */
  stderr: number;
  /** Whether a larger value is better. */
  higherIsBetter: boolean;
}

/** The outcome of one task run. */
export interface TaskResult {
  /** Task name. */
  task: string;
  /** Task version: changes whenever prompts or scoring change. */
  version: string;
  /** GRIFFIN mode it ran in. */
  mode: Mode;
  /** How the task rendered its requests, when it says. */
  rendering?: string;
  /** Aggregate metrics by name. */
  metrics: Record<string, MetricValue>;
  /** Samples scored. */
  samples: number;
  /** Samples skipped (prompt too long for the model). */
  skipped: number;
  /**
   * GRIFFIN-run timings: mean prompt phase and selection per request (ms), and over all
   * decoded tokens (generated, or teacher-forced in `gen`-mode scoring) ms per token,
   * tokens per second and their number.
   */
  timings: {
    promptMs: number;
    selectionMs: number;
    decodeMsPerToken: number;
    tokensPerSecond: number;
    generatedTokens: number;
    /** Some tokens were decoded together with other sequences' (Timings.decodedTogether). */
    decodedTogether?: boolean;
  };
}
