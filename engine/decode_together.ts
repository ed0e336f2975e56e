/**
 * Continuous batching of generation phases: many sequences, each on a session of its own (its own
 * prompt phase and experts), advanced together one engine call a step (gf_decode_batch). When a
 * sequence finishes, its session takes the next waiting request, which joins the following step.
 * Generation (`generateBatch`) and teacher-forced scoring (`scoreGenBatch`) both run on it.
 *
 * @module
 */
import { NativeSession, type TargetScore } from "../ffi/session.ts";

/** One request's sequence as the batch drives it. */
export interface Stepper<R> {
  /** The token to decode next, or undefined when the sequence is done. */
  next(): number | undefined;
  /** The logits the decoded token gave, the step's time and how many sequences shared it. */
  feed(logits: Float32Array, ms: number, sequences: number): void;
  /**
   * Where the next token is the logits' argmax (greedy decoding): takes that token instead of
   * the logits. A step whose sequences all have it returns only their tokens from the device.
   */
  feedGreedy?(token: number, ms: number, sequences: number): void;
  /**
   * Where only the log-probability of the token the step's logits predict is needed (teacher
   * forcing): that token (`target`), and its score (`feedScore`) instead of the logits. A step
   * whose sequences all have them returns only the scores from the device.
   */
  target?(): number;
  feedScore?(score: TargetScore, ms: number, sequences: number): void;
  /** The request's outcome once done. */
  result(): R;
}

/**
 * Runs `count` requests on at most `sessions.length` sessions at once; `begin(session, index)`
 * starts request `index` on a session (its prompt phase). Results in the requests' order. A step
 * whose steppers all take greedy tokens (`feedGreedy`) gets only the tokens from the engine
 * (gf_decode_batch_greedy), one whose steppers all take scores (`feedScore`) only the scores
 * (gf_decode_batch_scores), unless `onDevice` is false.
 *
 * @example
 * ```ts ignore
 * const results = decodeTogether(sessions, requests.length, (session, i) =>
 *   new TeacherForcing(session, requests[i]));
 * ```
 */
export function decodeTogether<R>(
  sessions: NativeSession[],
  count: number,
  begin: (session: NativeSession, index: number) => Stepper<R>,
  onDevice = true,
): R[] {
  const results: R[] = new Array(count);
  let waiting = 0; // the next request without a session
  const start = (session: NativeSession) => {
    const index = waiting++;
    return { stepper: begin(session, index), session, index };
  };
  let active = sessions.slice(0, count).map(start);
  while (active.length > 0) {
    const step: { stepper: Stepper<R>; session: NativeSession; index: number; token: number }[] =
      [];
    for (const running of active) {
      let a = running, token = a.stepper.next();
      while (token === undefined) { // finished: its session takes the next request, if any
        results[a.index] = a.stepper.result();
        if (waiting >= count) break;
        a = start(a.session);
        token = a.stepper.next();
      }
      if (token !== undefined) step.push({ ...a, token });
    }
    if (step.length === 0) break;
    const started = performance.now();
    const sessionsOf = step.map((s) => s.session), ids = step.map((s) => s.token);
    if (onDevice && step.every((s) => s.stepper.feedGreedy)) {
      const tokens = NativeSession.decodeBatchGreedy(sessionsOf, ids);
      const ms = performance.now() - started;
      step.forEach((s, b) => s.stepper.feedGreedy!(tokens[b], ms, step.length));
    } else if (onDevice && step.every((s) => s.stepper.feedScore && s.stepper.target)) {
      const targets = step.map((s) => s.stepper.target!());
      const scores = NativeSession.decodeBatchScores(sessionsOf, ids, targets);
      const ms = performance.now() - started;
      step.forEach((s, b) => s.stepper.feedScore!(scores[b], ms, step.length));
    } else {
      const logits = NativeSession.decodeBatch(sessionsOf, ids);
      const ms = performance.now() - started;
      const vocab = logits.length / step.length;
      step.forEach((s, b) =>
        s.stepper.feed(logits.subarray(b * vocab, (b + 1) * vocab), ms, step.length)
      );
    }
    active = step.map(({ stepper, session, index }) => ({ stepper, session, index }));
  }
  return results;
}
