/**
 * Tasks and metrics: what GRIFFIN is measured on.
 *
 * @module
 */

export type {
  MetricValue,
  SampleRecord,
  TaskOptions,
  TaskRequest,
  TaskRequests,
  TaskResult,
} from "./types.ts";
export type { RecordedRequest } from "./recorded_request.ts";
export { describeTask, runTask, taskNames, taskRequests } from "./registry.ts";
export { TaskInputError } from "./task_input_error.ts";
export { aggregateMetric, metricNames, metricSpec } from "./metrics/registry.ts";
export { RougeEmptyError, rougeLAgreement, rougeScores } from "./metrics/rouge.ts";
export { coqaScores, exactMatch, normalizeAnswer, tokenF1 } from "./metrics/squad.ts";
export { choiceScores } from "./metrics/choice.ts";
export { meanKlDivergence, top1Agreement } from "./metrics/agreement.ts";
export { numberExactMatch } from "./metrics/answer_number.ts";
export { bootstrapStderr } from "./metrics/bootstrap.ts";
