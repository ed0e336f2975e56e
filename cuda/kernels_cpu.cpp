/* kernels_cpu.cpp — the CPU backend's building blocks (see kernels_cpu.h). */
#include "kernels_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace gf {

float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        exponent--;
      }
      mantissa &= 0x3ff;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

float bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffff) > 0x7f800000) return (uint16_t)((bits >> 16) | 0x40); /* NaN */
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return (uint16_t)((bits + rounding) >> 16);
}

uint16_t f32_to_f16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  uint32_t abs = bits & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;            /* NaN */
  if (abs >= 0x477ff000) return sign | 0x7c00;           /* overflow → inf */
  if (abs < 0x33000001) return sign;                     /* underflow → 0 */
  int32_t exponent = (int32_t)(abs >> 23) - 127 + 15;
  uint32_t mantissa = (abs & 0x7fffff) | 0x800000;
  if (exponent <= 0) { /* subnormal half */
    int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) half++;
    return sign | (uint16_t)half;
  }
  uint32_t half = ((uint32_t)exponent << 10) | ((mantissa >> 13) & 0x3ff);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
  return sign | (uint16_t)half;
}

void weight_row(const Weight &w, int64_t r, float *out) {
  const int64_t c = w.cols;
  if (w.dtype == GF_DTYPE_F32) {
    memcpy(out, (const float *)w.data + r * c, (size_t)c * 4);
  } else if (w.dtype == GF_DTYPE_BF16) {
    const uint16_t *row = (const uint16_t *)w.data + r * c;
    for (int64_t i = 0; i < c; i++) out[i] = bf16_to_f32(row[i]);
  } else {
    const uint16_t *row = (const uint16_t *)w.data + r * c;
    for (int64_t i = 0; i < c; i++) out[i] = f16_to_f32(row[i]);
  }
}

namespace {

/* Σ a[i]·b[i] with eight independent partial sums (vectorises, fixed order). */
inline float dot(const float *a, const float *b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += a[i + j] * b[i + j];
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; i++) sum += a[i] * b[i];
  return sum;
}

/* Slots of per-thread scratch: a converted weight row, a gathered row, attention scores. */
enum Slot { row_slot = 0, gather_slot = 1, score_slot = 2 };

/* This thread's buffer in a slot, at least n floats. */
float *scratch(Slot slot, int64_t n) {
  thread_local std::vector<float> buffers[3];
  std::vector<float> &buffer = buffers[slot];
  if ((int64_t)buffer.size() < n) buffer.resize((size_t)n);
  return buffer.data();
}

/* Row r of w as floats: the weights themselves when F32, else converted into a scratch row. */
inline const float *row_f32(const Weight &w, int64_t r) {
  if (w.dtype == GF_DTYPE_F32) return (const float *)w.data + r * w.cols;
  float *row = scratch(row_slot, w.cols);
  weight_row(w, r, row);
  return row;
}

/* Multiply-adds below which one thread runs. Between loops the other threads spin briefly and
 * then sleep (ffi/library.ts sets GOMP_SPINCOUNT): the loops of one token find them awake. */
constexpr int64_t parallel_threshold = 1 << 15;

/* Rows of W one task sums at once against the same x: independent chains of multiply-adds
 * (the latency of one chain, not the memory, bounded the one-row loop). */
constexpr int32_t row_block = 8;

#if defined(__AVX2__) && defined(__FMA__)
/* y[r·stride] = x · rows[r] for r < R, each summed exactly as dot() sums it: eight lanes of
 * fused multiply-adds, the same pairwise reduction, then the tail in order. */
template <int R>
inline void dot_rows(float *y, int64_t stride, const float *x, const float *const *rows,
                     int64_t n) {
  __m256 acc[R];
  for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 xv = _mm256_loadu_ps(x + i);
    for (int r = 0; r < R; r++) acc[r] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(rows[r] + i), acc[r]);
  }
  for (int r = 0; r < R; r++) {
    alignas(32) float a[8];
    _mm256_store_ps(a, acc[r]);
    float sum = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (int64_t j = i; j < n; j++) sum += x[j] * rows[r][j];
    y[r * stride] = sum;
  }
}
#else
template <int R>
inline void dot_rows(float *y, int64_t stride, const float *x, const float *const *rows,
                     int64_t n) {
  for (int r = 0; r < R; r++) y[r * stride] = dot(x, rows[r], n);
}
#endif

/* y (n, out_stride)[:, 0..count) = x (n, cols) · rows[0..count)ᵀ, F32 rows, row_block at a time */
inline void dot_block(float *y, int64_t out_stride, const float *x, const float *const *rows,
                      int32_t count, int64_t cols, int32_t n) {
  for (int32_t t = 0; t < n; t++) {
    float *yt = y + (int64_t)t * out_stride;
    const float *xt = x + (int64_t)t * cols;
    if (count == row_block) dot_rows<row_block>(yt, 1, xt, rows, cols);
    else
      for (int32_t r = 0; r < count; r++) dot_rows<1>(yt + r, 1, xt, rows + r, cols);
  }
}

} // namespace

void matmul(float *y, const float *x, const Weight &w, int32_t n) {
  const int64_t rows = w.rows, cols = w.cols;
  if (w.dtype == GF_DTYPE_F32) { /* row_block rows of W per task, summed side by side */
    const float *data = (const float *)w.data;
    const int64_t blocks = (rows + row_block - 1) / row_block;
#pragma omp parallel for schedule(static) if (rows * cols * n > parallel_threshold)
    for (int64_t b = 0; b < blocks; b++) {
      const int64_t first = b * row_block;
      const int32_t count = (int32_t)std::min<int64_t>(row_block, rows - first);
      const float *block[row_block];
      for (int32_t r = 0; r < count; r++) block[r] = data + (first + r) * cols;
      dot_block(y + first, rows, x, block, count, cols, n);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (rows * cols * n > parallel_threshold)
  for (int64_t r = 0; r < rows; r++) {
    const float *wr = row_f32(w, r);
    for (int32_t t = 0; t < n; t++) y[(int64_t)t * rows + r] = dot(x + (int64_t)t * cols, wr, cols);
  }
}

void matmul_rows(float *y, const float *x, const Weight &w, const int32_t *rows, int32_t k,
                 int32_t n) {
  const int64_t cols = w.cols;
  if (w.dtype == GF_DTYPE_F32) {
    const float *data = (const float *)w.data;
    const int32_t blocks = (k + row_block - 1) / row_block;
#pragma omp parallel for schedule(static) if ((int64_t)k * cols * n > parallel_threshold)
    for (int32_t b = 0; b < blocks; b++) {
      const int32_t first = b * row_block, count = std::min(row_block, k - first);
      const float *block[row_block];
      for (int32_t r = 0; r < count; r++) block[r] = data + (int64_t)rows[first + r] * cols;
      dot_block(y + first, k, x, block, count, cols, n);
    }
    return;
  }
#pragma omp parallel for schedule(static) if ((int64_t)k * cols * n > parallel_threshold)
  for (int32_t i = 0; i < k; i++) {
    const float *wr = row_f32(w, rows[i]);
    for (int32_t t = 0; t < n; t++) y[(int64_t)t * k + i] = dot(x + (int64_t)t * cols, wr, cols);
  }
}

void matmul_cols(float *y, const float *z, const Weight &w, const int32_t *cols, int32_t k,
                 int32_t n) {
  const int64_t out = w.rows;
#pragma omp parallel for schedule(static) if (out * k * n > parallel_threshold)
  for (int64_t r = 0; r < out; r++) {
    const float *wr = row_f32(w, r);
    float *gathered = scratch(gather_slot, k);
    for (int32_t i = 0; i < k; i++) gathered[i] = wr[cols[i]];
    for (int32_t t = 0; t < n; t++) y[(int64_t)t * out + r] = dot(z + (int64_t)t * k, gathered, k);
  }
}

namespace {

/* Gathered copies of this many bytes or more are mapped, their pages made in one call. */
constexpr size_t mapped_bytes = (size_t)1 << 22;

/* Memory for a gathered copy: a large one mapped with its pages populated at once (a page
 * fault per 4 KiB, one by one, cost most of the time of making the copy). */
void *alloc_gathered(size_t bytes) {
#if defined(__linux__)
  if (bytes >= mapped_bytes) {
    void *data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return data == MAP_FAILED ? nullptr : data;
  }
#endif
  return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

} // namespace

void free_gathered(Weight &w) {
#if defined(__linux__)
  if (w.data && w.bytes() >= mapped_bytes) {
    munmap(w.data, w.bytes());
    w.data = nullptr;
  }
#endif
  free_weight(w);
}

bool gather_rows(Weight &out, const Weight &w, const int32_t *rows, int32_t k) {
  const size_t size = dtype_size(w.dtype), row_bytes = (size_t)w.cols * size;
  void *data = alloc_gathered((size_t)k * row_bytes);
  if (!data) return false;
  free_gathered(out);
  out.dtype = w.dtype;
  out.rows = k;
  out.cols = w.cols;
  out.data = data;
  out.loaded = true;
#pragma omp parallel for schedule(static) if ((int64_t)k * w.cols > parallel_threshold)
  for (int32_t i = 0; i < k; i++)
    memcpy((char *)data + i * row_bytes, (const char *)w.data + rows[i] * row_bytes, row_bytes);
  return true;
}

bool gather_cols(Weight &out, const Weight &w, const int32_t *cols, int32_t k) {
  const size_t size = dtype_size(w.dtype);
  void *data = alloc_gathered((size_t)w.rows * k * size);
  if (!data) return false;
  free_gathered(out);
  out.dtype = w.dtype;
  out.rows = w.rows;
  out.cols = k;
  out.data = data;
  out.loaded = true;
#pragma omp parallel for schedule(static) if (w.rows * k > parallel_threshold)
  for (int64_t r = 0; r < w.rows; r++) {
    const char *row = (const char *)w.data + r * w.cols * size;
    char *dst = (char *)data + r * k * size;
    if (size == 4)
      for (int32_t i = 0; i < k; i++) ((float *)dst)[i] = ((const float *)row)[cols[i]];
    else
      for (int32_t i = 0; i < k; i++) ((uint16_t *)dst)[i] = ((const uint16_t *)row)[cols[i]];
  }
  return true;
}

void rmsnorm(float *out, const float *x, const Weight &weight, int32_t n, int32_t d, float eps) {
  const float *w = (const float *)weight.data;
  for (int32_t t = 0; t < n; t++) {
    const float *xt = x + (int64_t)t * d;
    float *ot = out + (int64_t)t * d;
    double ss = 0;
    for (int32_t i = 0; i < d; i++) ss += (double)xt[i] * xt[i];
    float inv = 1.0f / sqrtf((float)(ss / d) + eps);
    for (int32_t i = 0; i < d; i++) ot[i] = w[i] * (xt[i] * inv);
  }
}

void layernorm(float *out, const float *x, const Weight &weight, const Weight &bias, int32_t n,
               int32_t d, float eps) {
  const float *w = (const float *)weight.data, *b = (const float *)bias.data;
  for (int32_t t = 0; t < n; t++) {
    const float *xt = x + (int64_t)t * d;
    float *ot = out + (int64_t)t * d;
    double sum = 0;
    for (int32_t i = 0; i < d; i++) sum += xt[i];
    const double mean = sum / d;
    double ss = 0;
    for (int32_t i = 0; i < d; i++) ss += (xt[i] - mean) * (xt[i] - mean);
    const float inv = 1.0f / sqrtf((float)(ss / d) + eps);
    const float m = (float)mean;
    for (int32_t i = 0; i < d; i++) ot[i] = (xt[i] - m) * inv * w[i] + b[i];
  }
}

void add_bias(float *y, const Weight &bias, const int32_t *index, int32_t k, int32_t n) {
  const float *b = (const float *)bias.data;
  for (int32_t t = 0; t < n; t++) {
    float *yt = y + (int64_t)t * k;
    for (int32_t i = 0; i < k; i++) yt[i] += b[index ? index[i] : i];
  }
}

void rope(float *x, int32_t n, int32_t heads, int32_t head_dim, int32_t start,
          const float *inv_freq) {
  const int32_t half = head_dim / 2;
  for (int32_t t = 0; t < n; t++) {
    const float pos = (float)(start + t);
    for (int32_t i = 0; i < half; i++) {
      const float angle = pos * inv_freq[i];
      const float c = cosf(angle), s = sinf(angle);
      for (int32_t h = 0; h < heads; h++) {
        float *v = x + ((int64_t)t * heads + h) * head_dim;
        const float a = v[i], b = v[i + half];
        v[i] = a * c - b * s;
        v[i + half] = b * c + a * s;
      }
    }
  }
}

void attention(float *out, const float *q, const float *key_cache, const float *value_cache,
               int32_t n, int32_t start, int32_t n_heads, int32_t n_kv_heads, int32_t head_dim,
               int32_t window) {
  const int32_t group = n_heads / n_kv_heads;
  const int64_t kv_dim = (int64_t)n_kv_heads * head_dim;
  const float scale = 1.0f / sqrtf((float)head_dim);
  const int64_t work = (int64_t)n * n_heads * (start + n) * head_dim;
#pragma omp parallel for collapse(2) schedule(static) if (work > parallel_threshold)
  for (int32_t t = 0; t < n; t++) {
    for (int32_t h = 0; h < n_heads; h++) {
      const int32_t last = start + t; /* causal: positions first..last */
      const int32_t first = window > 0 && last - window + 1 > 0 ? last - window + 1 : 0;
      const float *qh = q + ((int64_t)t * n_heads + h) * head_dim;
      const int64_t kv_offset = (int64_t)(h / group) * head_dim;
      float *scores = scratch(score_slot, last + 1);
      float max = -INFINITY;
      for (int32_t p = first; p <= last; p++) {
        scores[p] = dot(qh, key_cache + p * kv_dim + kv_offset, head_dim) * scale;
        if (scores[p] > max) max = scores[p];
      }
      float sum = 0;
      for (int32_t p = first; p <= last; p++) {
        scores[p] = expf(scores[p] - max);
        sum += scores[p];
      }
      float *oh = out + ((int64_t)t * n_heads + h) * head_dim;
      for (int32_t i = 0; i < head_dim; i++) oh[i] = 0;
      for (int32_t p = first; p <= last; p++) {
        const float a = scores[p] / sum;
        const float *vp = value_cache + p * kv_dim + kv_offset;
        for (int32_t i = 0; i < head_dim; i++) oh[i] += a * vp[i];
      }
    }
  }
}

void activate(float *gate, const float *up, int64_t count, int32_t activation) {
#pragma omp parallel for schedule(static) if (count > parallel_threshold)
  for (int64_t i = 0; i < count; i++) {
    const float g = gate[i];
    float a;
    switch (activation) {
    case GF_ACT_SILU: a = g / (1.0f + expf(-g)); break;
    case GF_ACT_GELU_TANH:
      a = 0.5f * g * (1.0f + tanhf(0.7978845608028654f * (g + 0.044715f * g * g * g)));
      break;
    case GF_ACT_RELU: a = g > 0 ? g : 0; break;
    default: a = 0.5f * g * (1.0f + erff(g * 0.7071067811865476f)); break;
    }
    gate[i] = up ? a * up[i] : a;
  }
}

int32_t greedy_token(const float *logits, int32_t vocab) {
  int32_t best = 0;
  for (int32_t i = 1; i < vocab; i++)
    if (logits[i] > logits[best]) best = i;
  return best;
}

void score_row(const float *row, int32_t vocab, int32_t target, double *logprob, uint8_t *greedy) {
  float max = -INFINITY;
  int32_t best = 0;
  for (int32_t i = 0; i < vocab; i++)
    if (row[i] > max) max = row[i], best = i;
  double sum = 0;
  for (int32_t i = 0; i < vocab; i++) sum += std::exp((double)row[i] - (double)max);
  *logprob = (double)row[target] - ((double)max + std::log(sum));
  *greedy = best == target ? 1 : 0;
}

} // namespace gf
