/**
 * The native library's whole symbol table (cuda/griffin.h), with each parameter's C type.
 *
 * @module
 */

/** Symbols of libgriffin, for `Deno.dlopen`. */
export const symbols = {
  gf_last_error: { parameters: [], result: "pointer" }, // const char*
  gf_abi_version: { parameters: [], result: "i32" },
  gf_build_info: { parameters: [], result: "pointer" }, // const char*
  gf_cuda_device_count: { parameters: ["buffer"], result: "i32" }, // int32_t* count
  gf_cuda_read_bandwidth: {
    // int32_t device, double* gb_per_second
    parameters: ["i32", "buffer"],
    result: "i32",
  },
  gf_cuda_memory: {
    // int32_t device, uint64_t* used, uint64_t* total
    parameters: ["i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_cuda_check_kernels: {
    // uint64_t seed, char* report, int32_t capacity
    parameters: ["u64", "buffer", "i32"],
    result: "i32",
  },

  gf_model_create: {
    // const gf_config* config, int32_t device, gf_model** out
    parameters: ["buffer", "i32", "buffer"],
    result: "i32",
  },
  gf_model_load_file: {
    // gf_model*, int32_t kind, int32_t layer, int32_t src_dtype, const char* path,
    // uint64_t offset, uint64_t nbytes
    parameters: ["pointer", "i32", "i32", "i32", "buffer", "u64", "u64"],
    result: "i32",
  },
  gf_model_load_data: {
    // gf_model*, int32_t kind, int32_t layer, int32_t src_dtype, const void* data, uint64_t nbytes
    parameters: ["pointer", "i32", "i32", "i32", "buffer", "u64"],
    result: "i32",
  },
  gf_model_synthesize: { parameters: ["pointer", "u64"], result: "i32" }, // gf_model*, seed
  gf_model_finalize: { parameters: ["pointer"], result: "i32" }, // gf_model*
  gf_model_neuron_magnitudes: {
    // gf_model*, int32_t layer, float* out (ff)
    parameters: ["pointer", "i32", "buffer"],
    result: "i32",
  },
  gf_model_weight_bytes: { parameters: ["pointer", "buffer"], result: "i32" }, // uint64_t* out
  gf_model_free: { parameters: ["pointer"], result: "i32" }, // gf_model*

  gf_session_create: {
    // gf_model*, int32_t max_positions, gf_session** out
    parameters: ["pointer", "i32", "buffer"],
    result: "i32",
  },
  gf_session_free: { parameters: ["pointer"], result: "i32" }, // gf_session*
  gf_session_reset: { parameters: ["pointer"], result: "i32" }, // gf_session*
  gf_session_set_griffin: {
    // gf_session*, const double* densities (n_layers), int32_t method, uint64_t seed
    parameters: ["pointer", "buffer", "i32", "u64"],
    result: "i32",
  },
  gf_session_set_capture: { parameters: ["pointer", "i32"], result: "i32" }, // int32_t enabled
  gf_prompt: {
    // gf_session*, const int32_t* ids, int32_t n, int32_t logit_rows, float* logits
    parameters: ["pointer", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
  gf_decode: {
    // gf_session*, int32_t id, float* logits (vocab)
    parameters: ["pointer", "i32", "buffer"],
    result: "i32",
  },
  gf_decode_greedy: {
    // gf_session*, int32_t id, int32_t* token
    parameters: ["pointer", "i32", "buffer"],
    result: "i32",
  },
  gf_decode_score: {
    // gf_session*, int32_t id, int32_t target, double* logprob, uint8_t* greedy
    parameters: ["pointer", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_forward_class: {
    // gf_session*, const int32_t* ids, int32_t n, float* logits (n × vocab)
    parameters: ["pointer", "buffer", "i32", "buffer"],
    result: "i32",
  },
  gf_session_position: { parameters: ["pointer", "buffer"], result: "i32" }, // int32_t* out
  gf_decode_batch: {
    // gf_session** sessions, int32_t count, const int32_t* ids, float* logits (count × vocab)
    parameters: ["buffer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_decode_batch_greedy: {
    // gf_session** sessions, int32_t count, const int32_t* ids, int32_t* tokens (count)
    parameters: ["buffer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_decode_batch_scores: {
    // gf_session** sessions, int32_t count, const int32_t* ids, const int32_t* targets,
    // double* logprobs, uint8_t* greedy (count each)
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  gf_score_class_batch: {
    // gf_session*, const int32_t* ids, const int32_t* lengths, const int32_t* first,
    // int32_t count, const int32_t* targets, double* logprobs, uint8_t* greedy
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  gf_session_batch_experts_all: {
    // gf_session*, int32_t* counts (layers × sequences), int32_t* out, int64_t capacity
    parameters: ["pointer", "buffer", "buffer", "i64"],
    result: "i32",
  },
  gf_session_batch_experts: {
    // gf_session*, int32_t sequence, int32_t layer, int32_t* out (ff), int32_t* count
    parameters: ["pointer", "i32", "i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_session_experts: {
    // gf_session*, int32_t layer, int32_t* out (ff), int32_t* count
    parameters: ["pointer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_session_neuron_scores: {
    // gf_session*, int32_t layer, float* out (ff), int32_t* valid
    parameters: ["pointer", "i32", "buffer", "buffer"],
    result: "i32",
  },
  gf_session_activations: {
    // gf_session*, int32_t layer, float* out, int64_t capacity, int32_t* rows
    parameters: ["pointer", "i32", "buffer", "i64", "buffer"],
    result: "i32",
  },
  gf_session_timings: {
    // gf_session*, double* prompt_ms, double* selection_ms
    parameters: ["pointer", "buffer", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library's functions. */
export type NativeSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];
