/**
 * Text to ids and back: tokenizer.json through @huggingface/tokenizers, with the paper's
 * special-token policy per architecture (GRIFFIN.md: Llama, Mistral and OPT prompts without
 * special tokens, Gemma's with BOS) and an explicit override.
 *
 * @module
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { ModelFileError } from "./config.ts";

/** What the engine needs of a tokenizer. */
export interface TextTokenizer {
  /** Ids of a text; BOS first when addBos. */
  encode(text: string, addBos: boolean): number[];
  /** Text of ids, special tokens dropped. */
  decode(ids: number[]): string;
  /** The BOS id, if any. */
  readonly bosTokenId: number | undefined;
  /** The EOS id, if any. */
  readonly eosTokenId: number | undefined;
}

/**
 * About how many bytes of texts and their ids a tokenizer keeps (2 a character, 8 an id), then it
 * forgets them all and starts again: a task's texts at a time (HellaSwag's 50k texts ~50 MB).
 */
export const ENCODED_BYTES = 64 << 20;

/** Whether the paper tokenised this architecture's prompts with BOS. */
export function addsBosByDefault(architecture: string): boolean {
  return architecture === "gemma";
}

/**
 * Loads `<folder>/tokenizer.json` (and `tokenizer_config.json` when present).
 *
 * @example
 * ```ts ignore
 * const tokenizer = loadTokenizer("models/stories260K", { bos: 1, eos: 2 });
 * tokenizer.encode("Once upon a time", true); // [1, 403, 407, 261, 378]
 * ```
 */
export function loadTokenizer(folder: string, ids: { bos?: number; eos?: number }): TextTokenizer {
  const file = `${folder}/tokenizer.json`;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Deno.readTextFileSync(file));
  } catch (cause) {
    throw new ModelFileError(`${file}: cannot read it as JSON (${(cause as Error).message})`);
  }
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(Deno.readTextFileSync(`${folder}/tokenizer_config.json`));
  } catch { /* optional */ }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (cause) {
    throw new ModelFileError(`${file}: not a tokenizer this project reads (${cause})`);
  }
  const special = (key: string): number | undefined => {
    const token = config[key];
    const content = typeof token === "string"
      ? token
      : (token as { content?: string } | undefined)?.content;
    return content === undefined ? undefined : tokenizer.token_to_id(content) ?? undefined;
  };
  const bosTokenId = ids.bos ?? special("bos_token");
  const eosTokenId = ids.eos ?? special("eos_token");
  // a sweep scores the same texts at every density and method: each text is tokenised once
  const seen = new Map<string, number[]>();
  let kept = 0;
  return {
    bosTokenId,
    eosTokenId,
    encode(text: string, addBos: boolean): number[] {
      let known = seen.get(text);
      if (known === undefined) {
        known = tokenizer.encode(text, { add_special_tokens: false }).ids;
        const bytes = 2 * text.length + 8 * known.length;
        if (kept + bytes > ENCODED_BYTES) seen.clear(), kept = 0;
        seen.set(text, known);
        kept += bytes;
      }
      const encoded = known.slice(); // the caller's own copy
      if (!addBos) return encoded;
      if (bosTokenId === undefined) {
        throw new ModelFileError(`${folder}: BOS was asked for but the model has no BOS token`);
      }
      return [bosTokenId, ...encoded];
    },
    decode(ids: number[]): string {
      return tokenizer.decode(ids, { skip_special_tokens: true });
    },
  };
}

/**
 * Bytes as tokens, for synthetic models that ship no tokenizer: 0 `<unk>`, 1 BOS, 2 EOS,
 * byte b is id b + 3.
 */
export const byteTokenizer: TextTokenizer = {
  bosTokenId: 1,
  eosTokenId: 2,
  encode(text: string, addBos: boolean): number[] {
    const ids = [...new TextEncoder().encode(text)].map((b) => b + 3);
    return addBos ? [1, ...ids] : ids;
  },
  decode(ids: number[]): string {
    const bytes = ids.filter((id) => id >= 3 && id < 259).map((id) => id - 3);
    return new TextDecoder().decode(new Uint8Array(bytes));
  },
};
