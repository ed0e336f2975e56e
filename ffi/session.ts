/**
 * NativeSession: one gf_session handle — a sequence's KV cache, GRIFFIN settings and experts.
 *
 * @module
 */
import { ClosedError } from "./errors.ts";
import { check, native } from "./library.ts";
import type { NativeModel } from "./model.ts";
import { SELECTION_METHODS, type SelectionMethod } from "../engine/types.ts";

/** One sequence of a class-mode batch: its ids, the first scored position and its targets. */
export interface ClassSequence {
  /** Token ids (at least 2). */
  ids: number[] | Int32Array;
  /** First position whose next token is scored. */
  first: number;
  /** The token each position from `first` on predicts (ids.length − first of them). */
  targets: number[] | Int32Array;
}

/** A scored sequence: per target, its log-probability and whether it was the argmax. */
export interface ClassSequenceScore {
  /** log p(target) of each scored position. */
  logprobs: number[];
  /** Whether each target was the position's argmax. */
  greedy: boolean[];
}

/** A target token's log-probability under a step's logits, and whether it is their argmax. */
export interface TargetScore {
  logprob: number;
  greedy: boolean;
}

/** Owns a gf_session; `close()` frees it and is safe to call twice. */
export class NativeSession {
  /** The model it runs. */
  readonly model: NativeModel;
  /** Longest sequence it holds. */
  readonly maxPositions: number;
  #handle: Deno.PointerValue;
  #vocab: number;

  /**
   * Opens a session of at most maxPositions tokens.
   *
   * @example
   * ```ts ignore
   * const session = new NativeSession(model, 512);
   * const logits = session.prompt(new Int32Array([1, 403, 407]));
   * session.close();
   * ```
   */
  constructor(model: NativeModel, maxPositions: number) {
    const out = new BigUint64Array(1);
    check(native().gf_session_create(model.handle, maxPositions, out));
    this.#handle = Deno.UnsafePointer.create(out[0]);
    this.model = model;
    this.maxPositions = maxPositions;
    this.#vocab = model.config.vocabSize;
    model._sessionOpened(1);
  }

  get #live(): Deno.PointerObject {
    if (this.#handle === null) throw new ClosedError("session");
    return this.#handle;
  }

  /** GRIFFIN settings for the next sequence (one density per layer, a method, a seed); empties the session. */
  setGriffin(densities: number[], method: SelectionMethod, seed: number): void {
    if (densities.length !== this.model.config.layers) {
      throw new RangeError(
        `a density schedule needs ${this.model.config.layers} values (one per layer), ` +
          `got ${densities.length}`,
      );
    }
    check(
      native().gf_session_set_griffin(
        this.#live,
        new Float64Array(densities),
        SELECTION_METHODS.indexOf(method),
        BigInt.asUintN(64, BigInt(seed)),
      ),
    );
  }

  /** Keeps each layer's prompt activations Z for `activations()`. */
  setCapture(enabled: boolean): void {
    check(native().gf_session_set_capture(this.#live, enabled ? 1 : 0));
  }

  /** Empties the KV cache and forgets the experts. */
  reset(): void {
    check(native().gf_session_reset(this.#live));
  }

  /** Prompt phase (mode gen); logits of the last position, or of every position. */
  prompt(ids: Int32Array<ArrayBuffer>, allPositions = false): Float32Array<ArrayBuffer> {
    const rows = allPositions ? ids.length : 1;
    const logits = new Float32Array(rows * this.#vocab);
    check(native().gf_prompt(this.#live, ids, ids.length, rows, logits));
    return logits;
  }

  /** Generation phase: one token through the experts; its logits. */
  decode(id: number): Float32Array<ArrayBuffer> {
    const logits = new Float32Array(this.#vocab);
    check(native().gf_decode(this.#live, id, logits));
    return logits;
  }

  /**
   * decode for greedy decoding: the next token, the argmax of the logits decode would give (as
   * `argmax` in engine/sampler.ts); on a GPU only the token crosses (see gf_decode_greedy).
   */
  decodeGreedy(id: number): number {
    const token = new Int32Array(1);
    check(native().gf_decode_greedy(this.#live, id, token));
    return token[0];
  }

  /**
   * decode for teacher forcing: the log-probability of `target` under the logits decode would
   * give (log-softmax in float64) and whether it is their argmax; on a GPU only those cross (see
   * gf_decode_score).
   */
  decodeScore(id: number, target: number): TargetScore {
    const logprob = new Float64Array(1), greedy = new Uint8Array(1);
    check(native().gf_decode_score(this.#live, id, target, logprob, greedy));
    return { logprob: logprob[0], greedy: greedy[0] === 1 };
  }

  /** Mode class: one pass, experts used at the last position only; n × vocab logits. */
  forwardClass(ids: Int32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
    const logits = new Float32Array(ids.length * this.#vocab);
    check(native().gf_forward_class(this.#live, ids, ids.length, logits));
    return logits;
  }

  /**
   * Mode class over a batch: each sequence as forwardClass runs it alone, its positions from
   * `first` on scored against their targets on the engine's side (only log-probabilities and
   * greedy flags come back); the session is empty afterwards. See gf_score_class_batch.
   */
  scoreClassBatch(sequences: ClassSequence[]): ClassSequenceScore[] {
    const lengths = Int32Array.from(sequences, (s) => s.ids.length);
    const first = Int32Array.from(sequences, (s) => s.first);
    const ids = new Int32Array(lengths.reduce((a, b) => a + b, 0));
    const targets = new Int32Array(sequences.reduce((a, s) => a + s.targets.length, 0));
    let at = 0, t = 0;
    for (const s of sequences) {
      if (s.targets.length !== s.ids.length - s.first) {
        throw new RangeError(
          `a sequence scores ${
            s.ids.length - s.first
          } positions but has ${s.targets.length} targets`,
        );
      }
      ids.set(s.ids, at);
      targets.set(s.targets, t);
      at += s.ids.length;
      t += s.targets.length;
    }
    const logprobs = new Float64Array(targets.length);
    const greedy = new Uint8Array(targets.length);
    check(
      native().gf_score_class_batch(
        this.#live,
        ids,
        lengths,
        first,
        sequences.length,
        targets,
        logprobs,
        greedy,
      ),
    );
    const out: ClassSequenceScore[] = [];
    t = 0;
    for (const s of sequences) {
      const n = s.targets.length;
      out.push({
        logprobs: Array.from(logprobs.subarray(t, t + n)),
        greedy: Array.from(greedy.subarray(t, t + n), (g) => g === 1),
      });
      t += n;
    }
    return out;
  }

  /**
   * Every expert of the last scoreClassBatch in one call: `counts` (layers × sequences; -1
   * where none were selected) and the experts, layer after layer, sequence after sequence.
   * `capacity` bounds the entries (Σ over layers of k × sequences).
   */
  batchExpertsAll(sequences: number, capacity: number): { counts: Int32Array; data: Int32Array } {
    const counts = new Int32Array(this.model.config.layers * sequences);
    const data = new Int32Array(capacity);
    check(native().gf_session_batch_experts_all(this.#live, counts, data, BigInt(capacity)));
    return { counts, data };
  }

  /**
   * The generation phase of several sessions at once (each after its prompt, one model): session
   * b takes ids[b]; count × vocab logits, row b as `decode` would give it (see gf_decode_batch).
   */
  static decodeBatch(sessions: NativeSession[], ids: number[]): Float32Array<ArrayBuffer> {
    const handles = NativeSession.#batchHandles(sessions, ids);
    const vocab = sessions[0].#vocab;
    const logits = new Float32Array(sessions.length * vocab);
    check(native().gf_decode_batch(handles, sessions.length, Int32Array.from(ids), logits));
    return logits;
  }

  /**
   * decodeBatch for greedy decoding: each session's next token, the argmax of the logits
   * decodeBatch would give (lowest index among ties, as `argmax` in engine/sampler.ts); on a GPU
   * only the tokens cross to the host (see gf_decode_batch_greedy).
   */
  static decodeBatchGreedy(sessions: NativeSession[], ids: number[]): Int32Array<ArrayBuffer> {
    const handles = NativeSession.#batchHandles(sessions, ids);
    const tokens = new Int32Array(sessions.length);
    check(native().gf_decode_batch_greedy(handles, sessions.length, Int32Array.from(ids), tokens));
    return tokens;
  }

  /**
   * decodeBatch for teacher forcing: each session's `targets[b]` scored as decodeScore scores it
   * (see gf_decode_batch_scores).
   */
  static decodeBatchScores(
    sessions: NativeSession[],
    ids: number[],
    targets: number[],
  ): TargetScore[] {
    const handles = NativeSession.#batchHandles(sessions, ids);
    if (targets.length !== ids.length) {
      throw new RangeError(`${ids.length} ids but ${targets.length} targets`);
    }
    const logprobs = new Float64Array(ids.length), greedy = new Uint8Array(ids.length);
    check(
      native().gf_decode_batch_scores(
        handles,
        ids.length,
        Int32Array.from(ids),
        Int32Array.from(targets),
        logprobs,
        greedy,
      ),
    );
    return Array.from(logprobs, (logprob, b) => ({ logprob, greedy: greedy[b] === 1 }));
  }

  /** The sessions' handles for a batch call, one id each. */
  static #batchHandles(sessions: NativeSession[], ids: number[]): BigUint64Array<ArrayBuffer> {
    if (sessions.length !== ids.length) {
      throw new RangeError(`${sessions.length} sessions but ${ids.length} ids`);
    }
    const handles = new BigUint64Array(sessions.length);
    sessions.forEach((s, b) => {
      handles[b] = BigInt(Deno.UnsafePointer.value(s.#live));
    });
    return handles;
  }

  /** Sequence b's experts at a layer after scoreClassBatch; null where none were selected. */
  batchExperts(sequence: number, layer: number): Int32Array | null {
    const out = new Int32Array(this.model.config.ffSize);
    const count = new Int32Array(1);
    check(native().gf_session_batch_experts(this.#live, sequence, layer, out, count));
    return count[0] < 0 ? null : out.slice(0, count[0]);
  }

  /** Tokens in the KV cache. */
  get position(): number {
    const out = new Int32Array(1);
    check(native().gf_session_position(this.#live, out));
    return out[0];
  }

  /** A layer's experts, ascending; null when the layer selected none (density 1). */
  experts(layer: number): Int32Array | null {
    const out = new Int32Array(this.model.config.ffSize);
    const count = new Int32Array(1);
    check(native().gf_session_experts(this.#live, layer, out, count));
    return count[0] < 0 ? null : out.slice(0, count[0]);
  }

  /** A layer's neuron scores from the last selection; null when none was made. */
  neuronScores(layer: number): Float32Array | null {
    const out = new Float32Array(this.model.config.ffSize);
    const valid = new Int32Array(1);
    check(native().gf_session_neuron_scores(this.#live, layer, out, valid));
    return valid[0] ? out : null;
  }

  /** A layer's captured prompt activations Z: rows × ff, row-major. */
  activations(layer: number): { rows: number; data: Float32Array } {
    const rows = new Int32Array(1);
    check(native().gf_session_activations(this.#live, layer, null, 0n, rows));
    const data = new Float32Array(rows[0] * this.model.config.ffSize);
    check(native().gf_session_activations(this.#live, layer, data, BigInt(data.length), rows));
    return { rows: rows[0], data };
  }

  /** Milliseconds of the last prompt phase (or class pass) and of its expert selection. */
  timings(): { promptMs: number; selectionMs: number } {
    const prompt = new Float64Array(1), selection = new Float64Array(1);
    check(native().gf_session_timings(this.#live, prompt, selection));
    return { promptMs: prompt[0], selectionMs: selection[0] };
  }

  /** Frees the session; a second call does nothing. */
  close(): void {
    if (this.#handle === null) return;
    check(native().gf_session_free(this.#handle));
    this.#handle = null;
    this.model._sessionOpened(-1);
  }
}
