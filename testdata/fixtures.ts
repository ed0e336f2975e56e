/**
 * Where tests find the shared fixtures and the built library, and how they say why they skip.
 *
 * @module
 */
import { fileExists as exists } from "../models/file_exists.ts";

/**
 * `../shared/data` beside the checkout (absent on a user's fresh clone), or `$GRIFFIN_SHARED_DATA`
 * (a copy carried to the GPU machine).
 */
export const sharedData = Deno.env.get("GRIFFIN_SHARED_DATA")?.replace(/\/?$/, "/") ??
  new URL("../../shared/data/", import.meta.url).pathname;
/** The stories260K Hugging Face folder. */
export const stories260K = `${sharedData}models/stories260K/hf`;
/** Llama 2's tokenizer folder. */
export const llama2Tokenizer = `${sharedData}tokenizers/llama2`;
/** Whether ../shared/data is here. */
export const hasShared = exists(stories260K);
/** Whether the native library has been built. */
export const hasLibrary = exists(new URL("../cuda/build/libgriffin.so", import.meta.url).pathname);

/** The reason a shared-data test is skipped, shown in the test's name; "" when it runs. */
export const sharedSkip = !hasLibrary
  ? " [skipped: the native library is not built; run deno task build]"
  : !hasShared
  ? " [skipped: ../shared/data is absent]"
  : "";
/** The reason a library test is skipped; "" when it runs. */
export const librarySkip = hasLibrary
  ? ""
  : " [skipped: the native library is not built; run deno task build]";

if (!hasShared) console.warn(`note: ${sharedData} is absent; tests that need it are skipped`);
