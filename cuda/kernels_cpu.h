/*
 * kernels_cpu.h — the CPU backend's building blocks, fp32 arithmetic on F32/F16/BF16 weights.
 * Each output element is computed by one thread in a fixed order, so results do not depend on
 * the number of threads. These are the reference twins of the CUDA kernels.
 */
#ifndef GRIFFIN_KERNELS_CPU_H
#define GRIFFIN_KERNELS_CPU_H

#include <cstdint>

#include "internal.h"

namespace gf {

/* IEEE half and bfloat16 to float, and float to them (round to nearest even). */
float f16_to_f32(uint16_t h);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
uint16_t f32_to_bf16(float f);

/* Row r of W as floats into out (W.cols floats). */
void weight_row(const Weight &w, int64_t r, float *out);

/* y (n, W.rows) = x (n, W.cols) · Wᵀ */
void matmul(float *y, const float *x, const Weight &w, int32_t n);
/* y (n, k) = x (n, W.cols) · W[rows]ᵀ — only the listed rows of W (experts of W_gate, W_up) */
void matmul_rows(float *y, const float *x, const Weight &w, const int32_t *rows, int32_t k,
                 int32_t n);
/* y (n, W.rows) = z (n, k) · W[:, cols]ᵀ — only the listed columns of W (experts of W_down) */
void matmul_cols(float *y, const float *z, const Weight &w, const int32_t *cols, int32_t k,
                 int32_t n);

/* GRIFFIN's gathered experts (built once after the prompt phase, read by matmul while
 * decoding): out (k, W.cols) = W[rows] — the experts' rows of W_gate, W_up — or
 * out (W.rows, k) = W[:, cols] — their columns of W_down as contiguous rows — in W's dtype,
 * so matmul over out computes what matmul_rows / matmul_cols compute over W, bit for bit.
 * false (out unchanged) when the memory cannot be had. */
bool gather_rows(Weight &out, const Weight &w, const int32_t *rows, int32_t k);
bool gather_cols(Weight &out, const Weight &w, const int32_t *cols, int32_t k);
/* Frees a gathered copy (large ones are mapped pages, not the heap). */
void free_gathered(Weight &w);

/* out (n, d) = x / sqrt(mean(x²) + eps) · weight, row by row (Hugging Face RMSNorm) */
void rmsnorm(float *out, const float *x, const Weight &weight, int32_t n, int32_t d, float eps);

/* out (n, d) = (x − mean(x)) / sqrt(var(x) + eps) · weight + bias, row by row (LayerNorm) */
void layernorm(float *out, const float *x, const Weight &weight, const Weight &bias, int32_t n,
               int32_t d, float eps);

/* y (n, k) += bias[index[i]] for i < k (index null: bias[i], k = the bias's length) */
void add_bias(float *y, const Weight &bias, const int32_t *index, int32_t k, int32_t n);

/* Rotates each head of x (n, heads·head_dim) in place: Hugging Face's half rotation at
 * positions start..start+n-1, with inv_freq (head_dim / 2) the model's frequencies. */
void rope(float *x, int32_t n, int32_t heads, int32_t head_dim, int32_t start,
          const float *inv_freq);

/* Causal grouped-query attention of n new queries at positions start.. against the cache;
 * window > 0 limits the query at p to keys in (p − window, p] (sliding window). */
void attention(float *out, const float *q, const float *key_cache, const float *value_cache,
               int32_t n, int32_t start, int32_t n_heads, int32_t n_kv_heads, int32_t head_dim,
               int32_t window);

/* z = act(gate) ⊙ up, in place in gate (count entries); plain blocks pass up = nullptr. */
void activate(float *gate, const float *up, int64_t count, int32_t activation);

/* engine/sampler.ts's argmax: the first index whose logit beats every one before it (NaNs never do). */
int32_t greedy_token(const float *logits, int32_t vocab);

/*
 * A row's log-softmax at target in float64 (x − (max + log Σ exp(x − max)), as engine/score.ts)
 * and whether target is its argmax (the lowest index among ties).
 */
void score_row(const float *row, int32_t vocab, int32_t target, double *logprob, uint8_t *greedy);

} // namespace gf

#endif
