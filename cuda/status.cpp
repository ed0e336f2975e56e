/* status.cpp — the per-thread last-error message and small naming helpers. */
#include <cstdarg>
#include <cstdio>

#include "internal.h"

namespace {
thread_local char last_error[1024] = "";
}

namespace gf {

gf_status fail(gf_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_error, sizeof last_error, format, args);
  va_end(args);
  return status;
}

void clear_error() { last_error[0] = '\0'; }

size_t dtype_size(int32_t dtype) {
  switch (dtype) {
  case GF_DTYPE_F32: return 4;
  case GF_DTYPE_F16: return 2;
  case GF_DTYPE_BF16: return 2;
  default: return 0;
  }
}

const char *dtype_name(int32_t dtype) {
  switch (dtype) {
  case GF_DTYPE_F32: return "F32";
  case GF_DTYPE_F16: return "F16";
  case GF_DTYPE_BF16: return "BF16";
  default: return "unknown";
  }
}

const char *kind_name(int32_t kind) {
  static const char *names[GF_T_COUNT] = {
      "embed_tokens",   "norm",          "lm_head",          "input_layernorm",
      "q_proj",         "k_proj",        "v_proj",           "o_proj",
      "post_attention_layernorm",        "gate_proj",        "up_proj",
      "down_proj",      "q_proj.bias",   "k_proj.bias",      "v_proj.bias",
      "o_proj.bias",    "gate_proj.bias", "up_proj.bias",    "down_proj.bias",
      "input_layernorm.bias", "post_attention_layernorm.bias", "norm.bias",
      "embed_positions", "project_in",   "project_out"};
  return kind >= 0 && kind < GF_T_COUNT ? names[kind] : "unknown tensor";
}

} // namespace gf

extern "C" const char *gf_last_error(void) { return last_error; }
extern "C" int32_t gf_abi_version(void) { return GF_ABI_VERSION; }
