/**
 * The engine's public vocabulary: GRIFFIN settings, generation and scoring requests and
 * their results. Everything above the engine (tasks, the harness, reports) speaks these types.
 *
 * @module
 */

/** How the k experts of a layer are chosen from the neuron scores (GRIFFIN.md, "Selection methods"). */
export type SelectionMethod = "topk" | "sample" | "topk_sample" | "random" | "magnitude";

/** All selection methods, in the order the engine numbers them. */
export const SELECTION_METHODS: readonly SelectionMethod[] = [
  "topk",
  "sample",
  "topk_sample",
  "random",
  "magnitude",
] as const;

/**
 * `gen`: the prompt phase picks experts, the generation phase uses them.
 * `class`: one pass; experts from all positions but the last, used at the last position only.
 */
export type Mode = "gen" | "class";

/** All modes, in the order the engine numbers them. */
export const MODES: readonly Mode[] = ["gen", "class"] as const;

/** GRIFFIN's settings for one sequence. */
export interface GriffinOptions {
  /** Fraction of FF neurons kept: one value for every layer, or one per layer (a schedule). */
  density: number | number[];
  /** Selection method; `topk` is GRIFFIN as the paper ran it. */
  method: SelectionMethod;
  /** Seed of the sampled methods (`sample`, `topk_sample`, `random`). */
  seed: number;
}

/** How the next token is drawn from the logits. */
export interface SamplingOptions {
  /** Arg-max decoding; when true the other fields are ignored. */
  greedy: boolean;
  /** Logits are divided by this (> 0). */
  temperature: number;
  /** Keep only the k most likely tokens; 0 turns it off. */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p; 1 turns it off. */
  topP: number;
  /** Seed of the token sampler. */
  seed: number;
}

/** One generation request (batch size 1, as in the paper). */
export interface GenerateRequest {
  /** Prompt token ids, special tokens already applied. */
  promptIds: number[];
  /** At most this many new tokens. */
  maxNewTokens: number;
  /** Token sampling. */
  sampling: SamplingOptions;
  /** GRIFFIN settings; density 1 is the full model. */
  griffin: GriffinOptions;
  /** Generation stops after any of these ids (default: the tokenizer's EOS). */
  stopTokenIds?: number[];
  /** Generation stops once the decoded text contains one of these; the text is cut before it. */
  stopStrings?: string[];
}

/** Wall-clock timings of one request, in milliseconds. */
export interface Timings {
  /** The prompt phase: the full forward pass over the prompt, selection included. */
  promptMs: number;
  /** Expert selection alone (neuron scores and the selection method), inside promptMs. */
  selectionMs: number;
  /** Each generated token's forward pass. */
  tokenMs: number[];
  /** Mean of tokenMs (0 when no token was generated). */
  decodeMsPerToken: number;
  /** Generated tokens per second over the generation phase. */
  tokensPerSecond: number;
  /**
   * Some tokens were decoded in steps shared with other sequences (gen-mode scoring decoded
   * together): their times are shares of those steps, not batch-1 speeds.
   */
  decodedTogether?: true;
}

/** Why generation ended. */
export type StopReason = "stop_token" | "stop_string" | "max_new_tokens" | "context_full";

/** The outcome of a generation request. */
export interface GenerateResult {
  /** The prompt ids as given. */
  promptIds: number[];
  /** Generated ids (a stop token is included when it ended generation). */
  outputIds: number[];
  /** Decoded generated text, cut before a stop string. */
  text: string;
  /** Why generation ended. */
  stopReason: StopReason;
  /** Experts per layer in ascending neuron order (null for a layer at density 1); null when no
   * layer selected any (density 1 everywhere). */
  experts: (number[] | null)[] | null;
  /** Timings. */
  timings: Timings;
}

/** One log-likelihood request. */
export interface ScoreRequest {
  /** Context ids (the prompt in `gen` mode). */
  contextIds: number[];
  /** Continuation ids whose log-probabilities are summed. */
  continuationIds: number[];
  /** `gen`: teacher-forced generation phase; `class`: lm-evaluation-harness's single pass. */
  mode: Mode;
  /** GRIFFIN settings. */
  griffin: GriffinOptions;
  /** Also return the full log-softmax row that predicted each continuation token. */
  keepDistributions?: boolean;
}

/** The outcome of a log-likelihood request. */
export interface ScoreResult {
  /** Sum of the continuation's token log-probabilities (natural log). */
  loglikelihood: number;
  /** Log-probability of each continuation token. */
  logprobs: number[];
  /** Whether every continuation token is the arg-max of its distribution. */
  greedy: boolean;
  /** Experts per layer in ascending order, as in GenerateResult (null too for a batched request
   * scored with `experts: false`, see BatchLimits). */
  experts: (number[] | null)[] | null;
  /** With keepDistributions: one log-softmax row (vocab entries) per continuation token. */
  distributions?: Float32Array[];
  /** Timings (tokenMs holds the teacher-forced tokens in `gen` mode). */
  timings: Timings;
}

/** What a loaded model says about itself. */
export interface ModelInfo {
  /** The path or `synthetic:NAME` it was opened from. */
  id: string;
  /** `llama`, `mistral`, … */
  architecture: string;
  /** Number of transformer layers. */
  layers: number;
  /** Hidden size. */
  hiddenSize: number;
  /** FF neurons per layer (d_ff). */
  ffSize: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** Longest sequence the model takes. */
  maxPositions: number;
  /** Parameter count. */
  parameters: number;
  /** Weight dtype as stored on the device. */
  dtype: "f32" | "f16" | "bf16";
  /** `cpu` or `cuda:N`. */
  device: string;
  /** For a Hub id: the repository, the revision asked for and the commit it resolved to. */
  hub?: { repo: string; revision: string; commit: string };
}

/**
 * What tasks and the harness need of a model: generation and scoring on ids, and text
 * in and out through the model's tokenizer.
 */
export interface LanguageModel {
  /** Facts about the model. */
  readonly info: ModelInfo;
  /** Text to ids with the architecture's special-token policy (or an explicit override). */
  encode(text: string, options?: { addBos?: boolean }): number[];
  /** Ids to text, special tokens dropped. */
  decode(ids: number[]): string;
  /** The end-of-sequence id, if the tokenizer has one. */
  readonly eosTokenId: number | undefined;
  /** Generates from a prompt. */
  generate(request: GenerateRequest): GenerateResult;
  /** Log-likelihood of a continuation given a context. */
  score(request: ScoreRequest): ScoreResult;
  /**
   * Many requests at once, results in their order, each equal to what `score` gives it alone
   * (an engine packs the class-mode ones into batches and decodes the gen-mode ones together);
   * absent: the caller scores one at a time.
   */
  scoreMany?(requests: ScoreRequest[]): ScoreResult[];
  /**
   * Many generation requests at once, results in their order, each equal to what `generate`
   * gives it alone (an engine decodes them together); absent: one at a time.
   */
  generateMany?(requests: GenerateRequest[]): GenerateResult[];
  /**
   * Whether generation tasks should send their samples through generateMany (a sweep's
   * `batch.generation`): the same outputs, faster, but tokens/s become per-sequence figures of a
   * batch, not batch-1 speeds. Absent or false: one sample at a time.
   */
  readonly generatesTogether?: boolean;
  /** Releases native memory; safe to call twice. */
  close(): void;
}
