/*
 * sf_vec.h -- the SIMD vehicle of the kernels: one small set of vector
 * primitives, defined once per instruction set.  The formulas
 * (sigfast/_core/ pxd files) are written once against the sf_vf_... / sf_vd_...
 * names; the -march a module is compiled with picks the definitions:
 *
 *   AVX-512 (x86-64-v4)  zmm: 16 floats / 8 doubles per register
 *   AVX2    (x86-64-v3)  ymm: 8 / 4, hardware FMA
 *   SSE4.2  (x86-64-v2)  xmm: 4 / 2, FMA emulated exactly enough (below)
 *   portable (MSVC, aarch64, anything else): C scalars, fma() from <math.h>
 *
 * On the x86 levels a vector (sf_vf, sf_vd) is TWO machine registers and
 * every primitive is applied to both halves in program order: the formulas
 * are long dependency chains, and two independent chains side by side keep
 * the out-of-order core busy (measured on Zen 4: float32 sigmoid 0.97x ->
 * 1.10x PyTorch; plain loop unrolling does not do this, the compiler keeps
 * the chains sequential).
 *
 * What every level guarantees (the formulas rely on it):
 *   mad(a, b, c), nmad(a, b, c)  a*b + c and c - a*b, fused or not (for
 *                      polynomials, products known to be exact, small terms)
 *   fma(a, b, c)       a*b + c rounded once.  SSE4.2 float32: computed in
 *                      double (a*b is exact there), so only a result that
 *                      is not exactly representable can differ from a true
 *                      FMA by double rounding; SSE4.2 float64: Dekker's
 *                      exact product plus a TwoSum, exact whenever the
 *                      result is representable (the residuals the formulas
 *                      take), within an ulp otherwise.
 *   max(c, x), min(c, x)  return x when x is NaN (x86 MAXPS order), so a
 *                      clamp written with x second lets NaN through.
 *   sel(m, a, b)       m ? a : b per lane.
 *   nge(a, b)          not (a >= b): a < b, or either is NaN (one compare
 *                      that also catches NaN, for "take the slow path").
 *   vfm_any(m)         nonzero when any lane of the mask is set: for a
 *                      branch around a rare lane's fix-up, taken once per
 *                      vector.
 *   integer lanes (sf_vfi 32-bit, sf_vdi 64-bit) as wide as the float lanes.
 *   vfi_cvtf(i)        int32 lanes to float, rounded to nearest (exact when
 *                      i has at most 24 significant bits).
 *   lookup16(t, i)     t[i & 15] from a 16-entry table, an in-register
 *                      permute where the ISA has one (a gather from memory
 *                      would be slow, and auto-vectorized C turns table
 *                      reads into scalar loads).
 */
#ifndef SF_VEC_H
#define SF_VEC_H

#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#  define SF_VEC_AVX512 1
#  define SF_VEC_NAME "avx512"
#elif defined(__AVX2__) && defined(__FMA__)
#  define SF_VEC_AVX2 1
#  define SF_VEC_NAME "avx2"
#elif defined(__SSE4_2__)
#  define SF_VEC_SSE 1
#  define SF_VEC_NAME "sse4.2"
#else
#  define SF_VEC_SCALAR 1
#  define SF_VEC_NAME "portable"
#endif

#if !defined(SF_VEC_SCALAR)
#  include <immintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define SF_INLINE static inline __attribute__((always_inline))
#else
#  define SF_INLINE static __forceinline
#endif

/* ====================================================================== */
/* One machine register: nf (float), nd (double), their integer lanes and  */
/* masks.                                                                 */
/* ====================================================================== */
#if defined(SF_VEC_AVX512)
typedef __m512 nf; typedef __m512i nfi; typedef __mmask16 nfm;
typedef __m512d nd; typedef __m512i ndi; typedef __mmask8 ndm;
#define SF_NF_LANES 16
#define SF_ND_LANES 8
SF_INLINE nf nf_set(float a) { return _mm512_set1_ps(a); }
SF_INLINE nf nf_load(const float* p) { return _mm512_loadu_ps(p); }
SF_INLINE void nf_store(float* p, nf a) { _mm512_storeu_ps(p, a); }
SF_INLINE nf nf_add(nf a, nf b) { return _mm512_add_ps(a, b); }
SF_INLINE nf nf_sub(nf a, nf b) { return _mm512_sub_ps(a, b); }
SF_INLINE nf nf_mul(nf a, nf b) { return _mm512_mul_ps(a, b); }
SF_INLINE nf nf_div(nf a, nf b) { return _mm512_div_ps(a, b); }
SF_INLINE nf nf_fma(nf a, nf b, nf c) { return _mm512_fmadd_ps(a, b, c); }
SF_INLINE nf nf_min(nf a, nf b) { return _mm512_min_ps(a, b); }
SF_INLINE nf nf_max(nf a, nf b) { return _mm512_max_ps(a, b); }
SF_INLINE nfm nf_lt(nf a, nf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
SF_INLINE nfm nf_eq(nf a, nf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
SF_INLINE nfm nf_ne(nf a, nf b) { return _mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ); }
SF_INLINE nfm nf_nge(nf a, nf b) { return _mm512_cmp_ps_mask(a, b, _CMP_NGE_UQ); }
SF_INLINE nfm nfm_or(nfm a, nfm b) { return (nfm)(a | b); }
SF_INLINE nfm nfm_and(nfm a, nfm b) { return (nfm)(a & b); }
SF_INLINE int nfm_any(nfm a) { return a != 0; }
SF_INLINE nf nf_sel(nfm m, nf a, nf b) { return _mm512_mask_blend_ps(m, b, a); }
SF_INLINE nfi nf_bits(nf a) { return _mm512_castps_si512(a); }
SF_INLINE nf nfi_asf(nfi a) { return _mm512_castsi512_ps(a); }
SF_INLINE nfi nfi_set(int32_t a) { return _mm512_set1_epi32(a); }
SF_INLINE nfi nfi_add(nfi a, nfi b) { return _mm512_add_epi32(a, b); }
SF_INLINE nfi nfi_sub(nfi a, nfi b) { return _mm512_sub_epi32(a, b); }
SF_INLINE nfi nfi_and(nfi a, nfi b) { return _mm512_and_si512(a, b); }
SF_INLINE nfi nfi_or(nfi a, nfi b) { return _mm512_or_si512(a, b); }
SF_INLINE nfi nfi_max(nfi a, nfi b) { return _mm512_max_epi32(a, b); }
SF_INLINE nf nfi_cvtf(nfi a) { return _mm512_cvtepi32_ps(a); }
#define nfi_sll(a, n) _mm512_slli_epi32((a), (n))
#define nfi_srl(a, n) _mm512_srli_epi32((a), (n))
#define nfi_sra(a, n) _mm512_srai_epi32((a), (n))
typedef nf nf_tab16;
SF_INLINE nf_tab16 nf_tab16_load(const float* t) { return _mm512_loadu_ps(t); }
SF_INLINE nf nf_lookup16(nf_tab16 t, nfi i) { return _mm512_permutexvar_ps(i, t); }

SF_INLINE nd nd_set(double a) { return _mm512_set1_pd(a); }
SF_INLINE nd nd_load(const double* p) { return _mm512_loadu_pd(p); }
SF_INLINE void nd_store(double* p, nd a) { _mm512_storeu_pd(p, a); }
SF_INLINE nd nd_add(nd a, nd b) { return _mm512_add_pd(a, b); }
SF_INLINE nd nd_sub(nd a, nd b) { return _mm512_sub_pd(a, b); }
SF_INLINE nd nd_mul(nd a, nd b) { return _mm512_mul_pd(a, b); }
SF_INLINE nd nd_div(nd a, nd b) { return _mm512_div_pd(a, b); }
SF_INLINE nd nd_fma(nd a, nd b, nd c) { return _mm512_fmadd_pd(a, b, c); }
SF_INLINE nd nd_min(nd a, nd b) { return _mm512_min_pd(a, b); }
SF_INLINE nd nd_max(nd a, nd b) { return _mm512_max_pd(a, b); }
SF_INLINE ndm nd_lt(nd a, nd b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
SF_INLINE ndm nd_eq(nd a, nd b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
SF_INLINE ndm nd_ne(nd a, nd b) { return _mm512_cmp_pd_mask(a, b, _CMP_NEQ_UQ); }
SF_INLINE ndm nd_nge(nd a, nd b) { return _mm512_cmp_pd_mask(a, b, _CMP_NGE_UQ); }
SF_INLINE ndm ndm_or(ndm a, ndm b) { return (ndm)(a | b); }
SF_INLINE ndm ndm_and(ndm a, ndm b) { return (ndm)(a & b); }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return _mm512_mask_blend_pd(m, b, a); }
SF_INLINE ndi nd_bits(nd a) { return _mm512_castpd_si512(a); }
SF_INLINE nd ndi_asd(ndi a) { return _mm512_castsi512_pd(a); }
SF_INLINE ndi ndi_set(int64_t a) { return _mm512_set1_epi64(a); }
SF_INLINE ndi ndi_add(ndi a, ndi b) { return _mm512_add_epi64(a, b); }
SF_INLINE ndi ndi_sub(ndi a, ndi b) { return _mm512_sub_epi64(a, b); }
SF_INLINE ndi ndi_and(ndi a, ndi b) { return _mm512_and_si512(a, b); }
SF_INLINE ndi ndi_or(ndi a, ndi b) { return _mm512_or_si512(a, b); }
SF_INLINE ndi ndi_max(ndi a, ndi b) { return _mm512_max_epi64(a, b); }
#define ndi_sll(a, n) _mm512_slli_epi64((a), (n))
#define ndi_srl(a, n) _mm512_srli_epi64((a), (n))
typedef struct { nd lo, hi; } nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { nd_tab16 r; r.lo = _mm512_loadu_pd(t); r.hi = _mm512_loadu_pd(t + 8); return r; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i) { return _mm512_permutex2var_pd(t.lo, i, t.hi); }

#elif defined(SF_VEC_AVX2) || defined(SF_VEC_SSE)
#  if defined(SF_VEC_AVX2)
typedef __m256 nf; typedef __m256i nfi; typedef __m256 nfm;
typedef __m256d nd; typedef __m256i ndi; typedef __m256d ndm;
#define SF_NF_LANES 8
#define SF_ND_LANES 4
#define X_(name) _mm256_##name
#define XI_(name) _mm256_##name##_si256
#  else
typedef __m128 nf; typedef __m128i nfi; typedef __m128 nfm;
typedef __m128d nd; typedef __m128i ndi; typedef __m128d ndm;
#define SF_NF_LANES 4
#define SF_ND_LANES 2
#define X_(name) _mm_##name
#define XI_(name) _mm_##name##_si128
#  endif
SF_INLINE nf nf_set(float a) { return X_(set1_ps)(a); }
SF_INLINE nf nf_load(const float* p) { return X_(loadu_ps)(p); }
SF_INLINE void nf_store(float* p, nf a) { X_(storeu_ps)(p, a); }
SF_INLINE nf nf_add(nf a, nf b) { return X_(add_ps)(a, b); }
SF_INLINE nf nf_sub(nf a, nf b) { return X_(sub_ps)(a, b); }
SF_INLINE nf nf_mul(nf a, nf b) { return X_(mul_ps)(a, b); }
SF_INLINE nf nf_div(nf a, nf b) { return X_(div_ps)(a, b); }
SF_INLINE nf nf_min(nf a, nf b) { return X_(min_ps)(a, b); }
SF_INLINE nf nf_max(nf a, nf b) { return X_(max_ps)(a, b); }
SF_INLINE nfm nfm_or(nfm a, nfm b) { return X_(or_ps)(a, b); }
SF_INLINE nfm nfm_and(nfm a, nfm b) { return X_(and_ps)(a, b); }
SF_INLINE int nfm_any(nfm a) { return X_(movemask_ps)(a) != 0; }
SF_INLINE nf nf_sel(nfm m, nf a, nf b) { return X_(blendv_ps)(b, a, m); }
SF_INLINE nd nd_set(double a) { return X_(set1_pd)(a); }
SF_INLINE nd nd_load(const double* p) { return X_(loadu_pd)(p); }
SF_INLINE void nd_store(double* p, nd a) { X_(storeu_pd)(p, a); }
SF_INLINE nd nd_add(nd a, nd b) { return X_(add_pd)(a, b); }
SF_INLINE nd nd_sub(nd a, nd b) { return X_(sub_pd)(a, b); }
SF_INLINE nd nd_mul(nd a, nd b) { return X_(mul_pd)(a, b); }
SF_INLINE nd nd_div(nd a, nd b) { return X_(div_pd)(a, b); }
SF_INLINE nd nd_min(nd a, nd b) { return X_(min_pd)(a, b); }
SF_INLINE nd nd_max(nd a, nd b) { return X_(max_pd)(a, b); }
SF_INLINE ndm ndm_or(ndm a, ndm b) { return X_(or_pd)(a, b); }
SF_INLINE ndm ndm_and(ndm a, ndm b) { return X_(and_pd)(a, b); }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return X_(blendv_pd)(b, a, m); }
#  if defined(SF_VEC_AVX2)
SF_INLINE nfm nf_lt(nf a, nf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
SF_INLINE nfm nf_eq(nf a, nf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
SF_INLINE nfm nf_ne(nf a, nf b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
SF_INLINE nfm nf_nge(nf a, nf b) { return _mm256_cmp_ps(a, b, _CMP_NGE_UQ); }
SF_INLINE ndm nd_lt(nd a, nd b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
SF_INLINE ndm nd_eq(nd a, nd b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
SF_INLINE ndm nd_ne(nd a, nd b) { return _mm256_cmp_pd(a, b, _CMP_NEQ_UQ); }
SF_INLINE ndm nd_nge(nd a, nd b) { return _mm256_cmp_pd(a, b, _CMP_NGE_UQ); }
SF_INLINE nfi nf_bits(nf a) { return _mm256_castps_si256(a); }
SF_INLINE nf nfi_asf(nfi a) { return _mm256_castsi256_ps(a); }
SF_INLINE ndi nd_bits(nd a) { return _mm256_castpd_si256(a); }
SF_INLINE nd ndi_asd(ndi a) { return _mm256_castsi256_pd(a); }
SF_INLINE nf nf_fma(nf a, nf b, nf c) { return _mm256_fmadd_ps(a, b, c); }
SF_INLINE nd nd_fma(nd a, nd b, nd c) { return _mm256_fmadd_pd(a, b, c); }
SF_INLINE ndi ndi_max(ndi a, ndi b) { return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(b, a)); }
#  else
SF_INLINE nfm nf_lt(nf a, nf b) { return _mm_cmplt_ps(a, b); }
SF_INLINE nfm nf_eq(nf a, nf b) { return _mm_cmpeq_ps(a, b); }
SF_INLINE nfm nf_ne(nf a, nf b) { return _mm_cmpneq_ps(a, b); }
SF_INLINE nfm nf_nge(nf a, nf b) { return _mm_cmpnge_ps(a, b); }
SF_INLINE ndm nd_lt(nd a, nd b) { return _mm_cmplt_pd(a, b); }
SF_INLINE ndm nd_eq(nd a, nd b) { return _mm_cmpeq_pd(a, b); }
SF_INLINE ndm nd_ne(nd a, nd b) { return _mm_cmpneq_pd(a, b); }
SF_INLINE ndm nd_nge(nd a, nd b) { return _mm_cmpnge_pd(a, b); }
SF_INLINE nfi nf_bits(nf a) { return _mm_castps_si128(a); }
SF_INLINE nf nfi_asf(nfi a) { return _mm_castsi128_ps(a); }
SF_INLINE ndi nd_bits(nd a) { return _mm_castpd_si128(a); }
SF_INLINE nd ndi_asd(ndi a) { return _mm_castsi128_pd(a); }
/* float32 FMA in double: the product of two floats is exact in double. */
SF_INLINE nf nf_fma(nf a, nf b, nf c)
{
    __m128d al = _mm_cvtps_pd(a), bl = _mm_cvtps_pd(b), cl = _mm_cvtps_pd(c);
    __m128d ah = _mm_cvtps_pd(_mm_movehl_ps(a, a)), bh = _mm_cvtps_pd(_mm_movehl_ps(b, b));
    __m128d ch = _mm_cvtps_pd(_mm_movehl_ps(c, c));
    __m128 lo = _mm_cvtpd_ps(_mm_add_pd(_mm_mul_pd(al, bl), cl));
    __m128 hi = _mm_cvtpd_ps(_mm_add_pd(_mm_mul_pd(ah, bh), ch));
    return _mm_movelh_ps(lo, hi);
}
/* float64 FMA without hardware: p + e = a*b exactly (Veltkamp split; the
 * error is taken as 0 for operands beyond 2**995, whose split overflows:
 * no formula needs the error of such a product), then p + c by TwoSum and
 * the low parts added last. */
SF_INLINE nd nd_fma(nd a, nd b, nd c)
{
    const __m128d C = _mm_set1_pd(134217729.0), BIG = _mm_set1_pd(0x1p995);
    const __m128d ABS = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
    __m128d p = _mm_mul_pd(a, b);
    __m128d ta = _mm_mul_pd(C, a), ah = _mm_sub_pd(ta, _mm_sub_pd(ta, a)), al = _mm_sub_pd(a, ah);
    __m128d tb = _mm_mul_pd(C, b), bh = _mm_sub_pd(tb, _mm_sub_pd(tb, b)), bl = _mm_sub_pd(b, bh);
    __m128d e = _mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_sub_pd(_mm_mul_pd(ah, bh), p),
                                                 _mm_mul_pd(ah, bl)), _mm_mul_pd(al, bh)),
                           _mm_mul_pd(al, bl));
    __m128d ok = _mm_and_pd(_mm_cmplt_pd(_mm_and_pd(a, ABS), BIG), _mm_cmplt_pd(_mm_and_pd(b, ABS), BIG));
    e = _mm_and_pd(e, ok);
    __m128d s = _mm_add_pd(p, c), bb = _mm_sub_pd(s, p);
    __m128d se = _mm_add_pd(_mm_sub_pd(p, _mm_sub_pd(s, bb)), _mm_sub_pd(c, bb));
    se = _mm_and_pd(se, _mm_cmpeq_pd(se, se));       /* inf - inf: keep s */
    return _mm_add_pd(s, _mm_add_pd(se, e));
}
SF_INLINE ndi ndi_max(ndi a, ndi b) { return _mm_blendv_epi8(a, b, _mm_cmpgt_epi64(b, a)); }
#  endif
SF_INLINE nfi nfi_set(int32_t a) { return X_(set1_epi32)(a); }
SF_INLINE nfi nfi_add(nfi a, nfi b) { return X_(add_epi32)(a, b); }
SF_INLINE nfi nfi_sub(nfi a, nfi b) { return X_(sub_epi32)(a, b); }
SF_INLINE nfi nfi_and(nfi a, nfi b) { return XI_(and)(a, b); }
SF_INLINE nfi nfi_or(nfi a, nfi b) { return XI_(or)(a, b); }
SF_INLINE nfi nfi_max(nfi a, nfi b) { return X_(max_epi32)(a, b); }
SF_INLINE nf nfi_cvtf(nfi a) { return X_(cvtepi32_ps)(a); }
#define nfi_sll(a, n) X_(slli_epi32)((a), (n))
#define nfi_srl(a, n) X_(srli_epi32)((a), (n))
#define nfi_sra(a, n) X_(srai_epi32)((a), (n))
SF_INLINE ndi ndi_set(int64_t a) { return X_(set1_epi64x)(a); }
SF_INLINE ndi ndi_add(ndi a, ndi b) { return X_(add_epi64)(a, b); }
SF_INLINE ndi ndi_sub(ndi a, ndi b) { return X_(sub_epi64)(a, b); }
SF_INLINE ndi ndi_and(ndi a, ndi b) { return XI_(and)(a, b); }
SF_INLINE ndi ndi_or(ndi a, ndi b) { return XI_(or)(a, b); }
#define ndi_sll(a, n) X_(slli_epi64)((a), (n))
#define ndi_srl(a, n) X_(srli_epi64)((a), (n))
/* Tables: AVX2 float32 holds the 16 entries in two registers and selects
 * with bit 3 of the index; the double tables (and every SSE table) read
 * from memory, since those ISAs have no variable permute of that width. */
#  if defined(SF_VEC_AVX2)
typedef struct { nf lo, hi; } nf_tab16;
SF_INLINE nf_tab16 nf_tab16_load(const float* t) { nf_tab16 r; r.lo = _mm256_loadu_ps(t); r.hi = _mm256_loadu_ps(t + 8); return r; }
SF_INLINE nf nf_lookup16(nf_tab16 t, nfi i)
{
    nf a = _mm256_permutevar8x32_ps(t.lo, i), b = _mm256_permutevar8x32_ps(t.hi, i);
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(i, 28)));
}
typedef const double* nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { return t; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i) { return _mm256_i64gather_pd(t, _mm256_and_si256(i, _mm256_set1_epi64x(15)), 8); }
#  else
typedef const float* nf_tab16;
SF_INLINE nf_tab16 nf_tab16_load(const float* t) { return t; }
SF_INLINE nf nf_lookup16(nf_tab16 t, nfi i)
{
    return _mm_set_ps(t[_mm_extract_epi32(i, 3) & 15], t[_mm_extract_epi32(i, 2) & 15],
                      t[_mm_extract_epi32(i, 1) & 15], t[_mm_cvtsi128_si32(i) & 15]);
}
typedef const double* nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { return t; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i)
{
    return _mm_set_pd(t[_mm_extract_epi64(i, 1) & 15], t[_mm_cvtsi128_si64(i) & 15]);
}
#  endif

#else /* portable scalars */
typedef float nf; typedef int32_t nfi; typedef int nfm;
typedef double nd; typedef int64_t ndi; typedef int ndm;
#define SF_NF_LANES 1
#define SF_ND_LANES 1
SF_INLINE nf nf_set(float a) { return a; }
SF_INLINE nf nf_load(const float* p) { return *p; }
SF_INLINE void nf_store(float* p, nf a) { *p = a; }
SF_INLINE nf nf_add(nf a, nf b) { return a + b; }
SF_INLINE nf nf_sub(nf a, nf b) { return a - b; }
SF_INLINE nf nf_mul(nf a, nf b) { return a * b; }
SF_INLINE nf nf_div(nf a, nf b) { return a / b; }
SF_INLINE nf nf_fma(nf a, nf b, nf c) { return fmaf(a, b, c); }
SF_INLINE nf nf_min(nf a, nf b) { return a < b ? a : b; }
SF_INLINE nf nf_max(nf a, nf b) { return a > b ? a : b; }
SF_INLINE nfm nf_lt(nf a, nf b) { return a < b; }
SF_INLINE nfm nf_eq(nf a, nf b) { return a == b; }
SF_INLINE nfm nf_ne(nf a, nf b) { return a != b; }
SF_INLINE nfm nf_nge(nf a, nf b) { return !(a >= b); }
SF_INLINE nfm nfm_or(nfm a, nfm b) { return a | b; }
SF_INLINE nfm nfm_and(nfm a, nfm b) { return a & b; }
SF_INLINE int nfm_any(nfm a) { return a != 0; }
SF_INLINE nf nf_sel(nfm m, nf a, nf b) { return m ? a : b; }
SF_INLINE nfi nf_bits(nf a) { nfi u; memcpy(&u, &a, 4); return u; }
SF_INLINE nf nfi_asf(nfi a) { nf x; memcpy(&x, &a, 4); return x; }
SF_INLINE nfi nfi_set(int32_t a) { return a; }
SF_INLINE nfi nfi_add(nfi a, nfi b) { return (nfi)((uint32_t)a + (uint32_t)b); }
SF_INLINE nfi nfi_sub(nfi a, nfi b) { return (nfi)((uint32_t)a - (uint32_t)b); }
SF_INLINE nfi nfi_and(nfi a, nfi b) { return a & b; }
SF_INLINE nfi nfi_or(nfi a, nfi b) { return a | b; }
SF_INLINE nfi nfi_max(nfi a, nfi b) { return a > b ? a : b; }
SF_INLINE nf nfi_cvtf(nfi a) { return (nf)a; }
#define nfi_sll(a, n) ((nfi)((uint32_t)(a) << (n)))
#define nfi_srl(a, n) ((nfi)((uint32_t)(a) >> (n)))
#define nfi_sra(a, n) ((nfi)((a) >> (n)))
typedef const float* nf_tab16;
SF_INLINE nf_tab16 nf_tab16_load(const float* t) { return t; }
SF_INLINE nf nf_lookup16(nf_tab16 t, nfi i) { return t[i & 15]; }
SF_INLINE nd nd_set(double a) { return a; }
SF_INLINE nd nd_load(const double* p) { return *p; }
SF_INLINE void nd_store(double* p, nd a) { *p = a; }
SF_INLINE nd nd_add(nd a, nd b) { return a + b; }
SF_INLINE nd nd_sub(nd a, nd b) { return a - b; }
SF_INLINE nd nd_mul(nd a, nd b) { return a * b; }
SF_INLINE nd nd_div(nd a, nd b) { return a / b; }
SF_INLINE nd nd_fma(nd a, nd b, nd c) { return fma(a, b, c); }
SF_INLINE nd nd_min(nd a, nd b) { return a < b ? a : b; }
SF_INLINE nd nd_max(nd a, nd b) { return a > b ? a : b; }
SF_INLINE ndm nd_lt(nd a, nd b) { return a < b; }
SF_INLINE ndm nd_eq(nd a, nd b) { return a == b; }
SF_INLINE ndm nd_ne(nd a, nd b) { return a != b; }
SF_INLINE ndm nd_nge(nd a, nd b) { return !(a >= b); }
SF_INLINE ndm ndm_or(ndm a, ndm b) { return a | b; }
SF_INLINE ndm ndm_and(ndm a, ndm b) { return a & b; }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return m ? a : b; }
SF_INLINE ndi nd_bits(nd a) { ndi u; memcpy(&u, &a, 8); return u; }
SF_INLINE nd ndi_asd(ndi a) { nd x; memcpy(&x, &a, 8); return x; }
SF_INLINE ndi ndi_set(int64_t a) { return a; }
SF_INLINE ndi ndi_add(ndi a, ndi b) { return (ndi)((uint64_t)a + (uint64_t)b); }
SF_INLINE ndi ndi_sub(ndi a, ndi b) { return (ndi)((uint64_t)a - (uint64_t)b); }
SF_INLINE ndi ndi_and(ndi a, ndi b) { return a & b; }
SF_INLINE ndi ndi_or(ndi a, ndi b) { return a | b; }
SF_INLINE ndi ndi_max(ndi a, ndi b) { return a > b ? a : b; }
#define ndi_sll(a, n) ((ndi)((uint64_t)(a) << (n)))
#define ndi_srl(a, n) ((ndi)((uint64_t)(a) >> (n)))
typedef const double* nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { return t; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i) { return t[i & 15]; }
#endif

/* float32 <-> float64: SF_ND_LANES floats widened into one double register
 * (exact), and rounded back (once, to nearest).  For the float32 functions
 * that evaluate their float64 formula. */
#if defined(SF_VEC_AVX512)
SF_INLINE nd nd_load_f32(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
SF_INLINE void nd_store_f32(float* p, nd a) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(a)); }
#elif defined(SF_VEC_AVX2)
SF_INLINE nd nd_load_f32(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
SF_INLINE void nd_store_f32(float* p, nd a) { _mm_storeu_ps(p, _mm256_cvtpd_ps(a)); }
#elif defined(SF_VEC_SSE)
SF_INLINE nd nd_load_f32(const float* p) { return _mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd((const double*)p))); }
SF_INLINE void nd_store_f32(float* p, nd a) { _mm_store_sd((double*)p, _mm_castps_pd(_mm_cvtpd_ps(a))); }
#else
SF_INLINE nd nd_load_f32(const float* p) { return (double)*p; }
SF_INLINE void nd_store_f32(float* p, nd a) { *p = (float)a; }
#endif

/* Half a float vector and one double vector: nd_widen_lo/hi(a) are the
 * low / high SF_ND_LANES floats of one float register widened (exact),
 * nf_narrow2(lo, hi) rounds two double registers (once each, to nearest)
 * into one float register, lo's lanes first.  For float32 formulas that
 * evaluate part of a vector in float64.  The portable level has one float
 * lane: the high half is empty (0.0) and nf_narrow2 ignores it. */
#if defined(SF_VEC_AVX512)
SF_INLINE nd nd_widen_lo(nf a) { return _mm512_cvtps_pd(_mm512_castps512_ps256(a)); }
SF_INLINE nd nd_widen_hi(nf a) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1)); }
SF_INLINE nf nf_narrow2(nd lo, nd hi)
{
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}
#elif defined(SF_VEC_AVX2)
SF_INLINE nd nd_widen_lo(nf a) { return _mm256_cvtps_pd(_mm256_castps256_ps128(a)); }
SF_INLINE nd nd_widen_hi(nf a) { return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)); }
SF_INLINE nf nf_narrow2(nd lo, nd hi)
{
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
}
#elif defined(SF_VEC_SSE)
SF_INLINE nd nd_widen_lo(nf a) { return _mm_cvtps_pd(a); }
SF_INLINE nd nd_widen_hi(nf a) { return _mm_cvtps_pd(_mm_movehl_ps(a, a)); }
SF_INLINE nf nf_narrow2(nd lo, nd hi) { return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)); }
#else
SF_INLINE nd nd_widen_lo(nf a) { return (double)a; }
SF_INLINE nd nd_widen_hi(nf a) { (void)a; return 0.0; }
SF_INLINE nf nf_narrow2(nd lo, nd hi) { (void)hi; return (float)lo; }
#endif

/* Software prefetch of a read a few KiB ahead (a hint: never faults). */
#if !defined(SF_VEC_SCALAR)
#define SF_PREFETCH(p) _mm_prefetch((const char*)(p), _MM_HINT_T0)
#else
#define SF_PREFETCH(p) ((void)(p))
#endif

/* Derived single-register operations, the same on every level. */
#if defined(SF_VEC_AVX512)
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return _mm512_fmsub_ps(a, b, c); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return _mm512_fmsub_pd(a, b, c); }
#elif defined(SF_VEC_AVX2)
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return _mm256_fmsub_ps(a, b, c); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return _mm256_fmsub_pd(a, b, c); }
#else
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return nf_fma(a, b, nf_sub(nf_set(0.0f), c)); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return nd_fma(a, b, nd_sub(nd_set(0.0), c)); }
#endif
/* c - a*b, one rounding (where the ISA has no such instruction, -a is exact) */
#if defined(SF_VEC_AVX512)
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return _mm512_fnmadd_ps(a, b, c); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return _mm512_fnmadd_pd(a, b, c); }
#elif defined(SF_VEC_AVX2)
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return _mm256_fnmadd_ps(a, b, c); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return _mm256_fnmadd_pd(a, b, c); }
#else
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return nf_fma(nf_sub(nf_set(0.0f), a), b, c); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return nd_fma(nd_sub(nd_set(0.0), a), b, c); }
#endif

/* a*b + c where one rounding more or less does not matter (polynomials,
 * products known to be exact): the FMA instruction where the ISA has one,
 * a multiply and an add where FMA would be emulated (SSE4.2, and the
 * portable level, where fma() may be a library call). */
#if defined(SF_VEC_AVX512) || defined(SF_VEC_AVX2) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
SF_INLINE nf nf_mad(nf a, nf b, nf c) { return nf_fma(a, b, c); }
SF_INLINE nd nd_mad(nd a, nd b, nd c) { return nd_fma(a, b, c); }
SF_INLINE nf nf_nmad(nf a, nf b, nf c) { return nf_fnma(a, b, c); }
SF_INLINE nd nd_nmad(nd a, nd b, nd c) { return nd_fnma(a, b, c); }
#else
SF_INLINE nf nf_mad(nf a, nf b, nf c) { return nf_add(nf_mul(a, b), c); }
SF_INLINE nd nd_mad(nd a, nd b, nd c) { return nd_add(nd_mul(a, b), c); }
SF_INLINE nf nf_nmad(nf a, nf b, nf c) { return nf_sub(c, nf_mul(a, b)); }
SF_INLINE nd nd_nmad(nd a, nd b, nd c) { return nd_sub(c, nd_mul(a, b)); }
#endif


/* ====================================================================== */
/* The vectors the formulas use: two registers on the x86 levels          */
/* ====================================================================== */
#if defined(SF_VEC_SCALAR)
#define SF_PAIRED 0
typedef nf sf_vf; typedef nfi sf_vfi; typedef nfm sf_vfm; typedef nf_tab16 sf_vf_tab16;
typedef nd sf_vd; typedef ndi sf_vdi; typedef ndm sf_vdm; typedef nd_tab16 sf_vd_tab16;
#define SF_VF_LANES 1
#define SF_VD_LANES 1
#define SF_P1(T, name, nname) SF_INLINE T name(T a) { return nname(a); }
#define SF_P2(T, name, nname) SF_INLINE T name(T a, T b) { return nname(a, b); }
#define SF_P3(T, name, nname) SF_INLINE T name(T a, T b, T c) { return nname(a, b, c); }
SF_INLINE sf_vf sf_vf_load(const float* p) { return nf_load(p); }
SF_INLINE void sf_vf_store(float* p, sf_vf a) { nf_store(p, a); }
SF_INLINE sf_vf sf_vf_set(float a) { return nf_set(a); }
SF_INLINE sf_vfi sf_vfi_set(int32_t a) { return nfi_set(a); }
SF_INLINE sf_vd sf_vd_load(const double* p) { return nd_load(p); }
SF_INLINE void sf_vd_store(double* p, sf_vd a) { nd_store(p, a); }
SF_INLINE sf_vd sf_vd_set(double a) { return nd_set(a); }
SF_INLINE sf_vd sf_vd_load_f32(const float* p) { return nd_load_f32(p); }
SF_INLINE void sf_vd_store_f32(float* p, sf_vd a) { nd_store_f32(p, a); }
SF_INLINE sf_vdi sf_vdi_set(int64_t a) { return ndi_set(a); }
SF_INLINE sf_vf sf_vf_sel(sf_vfm m, sf_vf a, sf_vf b) { return nf_sel(m, a, b); }
SF_INLINE sf_vd sf_vd_sel(sf_vdm m, sf_vd a, sf_vd b) { return nd_sel(m, a, b); }
SF_INLINE sf_vf sf_vf_lookup16(sf_vf_tab16 t, sf_vfi i) { return nf_lookup16(t, i); }
SF_INLINE sf_vfm sf_vf_lt(sf_vf a, sf_vf b) { return nf_lt(a, b); }
SF_INLINE sf_vfm sf_vf_eq(sf_vf a, sf_vf b) { return nf_eq(a, b); }
SF_INLINE sf_vfm sf_vf_ne(sf_vf a, sf_vf b) { return nf_ne(a, b); }
SF_INLINE sf_vdm sf_vd_lt(sf_vd a, sf_vd b) { return nd_lt(a, b); }
SF_INLINE sf_vdm sf_vd_eq(sf_vd a, sf_vd b) { return nd_eq(a, b); }
SF_INLINE sf_vdm sf_vd_ne(sf_vd a, sf_vd b) { return nd_ne(a, b); }
SF_INLINE sf_vfm sf_vf_nge(sf_vf a, sf_vf b) { return nf_nge(a, b); }
SF_INLINE sf_vdm sf_vd_nge(sf_vd a, sf_vd b) { return nd_nge(a, b); }
SF_INLINE sf_vfi sf_vf_bits(sf_vf a) { return nf_bits(a); }
SF_INLINE sf_vf sf_vfi_asf(sf_vfi a) { return nfi_asf(a); }
SF_INLINE sf_vf sf_vfi_cvtf(sf_vfi a) { return nfi_cvtf(a); }
SF_INLINE sf_vdi sf_vd_bits(sf_vd a) { return nd_bits(a); }
SF_INLINE sf_vd sf_vdi_asd(sf_vdi a) { return ndi_asd(a); }
SF_INLINE sf_vd sf_vd_lookup16(sf_vd_tab16 t, sf_vdi i) { return nd_lookup16(t, i); }
#define sf_vfi_sll(a, n) nfi_sll(a, n)
#define sf_vfi_srl(a, n) nfi_srl(a, n)
#define sf_vfi_sra(a, n) nfi_sra(a, n)
#define sf_vdi_sll(a, n) ndi_sll(a, n)
#define sf_vdi_srl(a, n) ndi_srl(a, n)
SF_INLINE sf_vd sf_vd_widen_lo(sf_vf a) { return nd_widen_lo(a); }
SF_INLINE sf_vd sf_vd_widen_hi(sf_vf a) { return nd_widen_hi(a); }
SF_INLINE sf_vf sf_vf_narrow(sf_vd lo, sf_vd hi) { return nf_narrow2(lo, hi); }
#else
#define SF_PAIRED 1
typedef struct { nf a, b; } sf_vf;
typedef struct { nfi a, b; } sf_vfi;
typedef struct { nfm a, b; } sf_vfm;
typedef nf_tab16 sf_vf_tab16;
typedef struct { nd a, b; } sf_vd;
typedef struct { ndi a, b; } sf_vdi;
typedef struct { ndm a, b; } sf_vdm;
typedef nd_tab16 sf_vd_tab16;
#define SF_VF_LANES (2 * SF_NF_LANES)
#define SF_VD_LANES (2 * SF_ND_LANES)
#define SF_P1(T, name, nname) SF_INLINE T name(T x) { T r; r.a = nname(x.a); r.b = nname(x.b); return r; }
#define SF_P2(T, name, nname) SF_INLINE T name(T x, T y) { T r; r.a = nname(x.a, y.a); r.b = nname(x.b, y.b); return r; }
#define SF_P3(T, name, nname) SF_INLINE T name(T x, T y, T z) { T r; r.a = nname(x.a, y.a, z.a); r.b = nname(x.b, y.b, z.b); return r; }
SF_INLINE sf_vf sf_vf_load(const float* p) { sf_vf r; r.a = nf_load(p); r.b = nf_load(p + SF_NF_LANES); return r; }
SF_INLINE void sf_vf_store(float* p, sf_vf x) { nf_store(p, x.a); nf_store(p + SF_NF_LANES, x.b); }
SF_INLINE sf_vf sf_vf_set(float c) { sf_vf r; r.a = r.b = nf_set(c); return r; }
SF_INLINE sf_vfi sf_vfi_set(int32_t c) { sf_vfi r; r.a = r.b = nfi_set(c); return r; }
SF_INLINE sf_vd sf_vd_load(const double* p) { sf_vd r; r.a = nd_load(p); r.b = nd_load(p + SF_ND_LANES); return r; }
SF_INLINE void sf_vd_store(double* p, sf_vd x) { nd_store(p, x.a); nd_store(p + SF_ND_LANES, x.b); }
SF_INLINE sf_vd sf_vd_set(double c) { sf_vd r; r.a = r.b = nd_set(c); return r; }
SF_INLINE sf_vd sf_vd_load_f32(const float* p) { sf_vd r; r.a = nd_load_f32(p); r.b = nd_load_f32(p + SF_ND_LANES); return r; }
SF_INLINE void sf_vd_store_f32(float* p, sf_vd x) { nd_store_f32(p, x.a); nd_store_f32(p + SF_ND_LANES, x.b); }
SF_INLINE sf_vdi sf_vdi_set(int64_t c) { sf_vdi r; r.a = r.b = ndi_set(c); return r; }
SF_INLINE sf_vf sf_vf_sel(sf_vfm m, sf_vf x, sf_vf y) { sf_vf r; r.a = nf_sel(m.a, x.a, y.a); r.b = nf_sel(m.b, x.b, y.b); return r; }
SF_INLINE sf_vd sf_vd_sel(sf_vdm m, sf_vd x, sf_vd y) { sf_vd r; r.a = nd_sel(m.a, x.a, y.a); r.b = nd_sel(m.b, x.b, y.b); return r; }
SF_INLINE sf_vf sf_vf_lookup16(sf_vf_tab16 t, sf_vfi i) { sf_vf r; r.a = nf_lookup16(t, i.a); r.b = nf_lookup16(t, i.b); return r; }
SF_INLINE sf_vd sf_vd_lookup16(sf_vd_tab16 t, sf_vdi i) { sf_vd r; r.a = nd_lookup16(t, i.a); r.b = nd_lookup16(t, i.b); return r; }
#define SF_PC(TR, T, name, nname) SF_INLINE TR name(T x, T y) { TR r; r.a = nname(x.a, y.a); r.b = nname(x.b, y.b); return r; }
#define SF_PX(TR, T, name, nname) SF_INLINE TR name(T x) { TR r; r.a = nname(x.a); r.b = nname(x.b); return r; }
SF_PC(sf_vfm, sf_vf, sf_vf_lt, nf_lt) SF_PC(sf_vfm, sf_vf, sf_vf_eq, nf_eq) SF_PC(sf_vfm, sf_vf, sf_vf_ne, nf_ne)
SF_PC(sf_vfm, sf_vf, sf_vf_nge, nf_nge)
SF_PC(sf_vdm, sf_vd, sf_vd_lt, nd_lt) SF_PC(sf_vdm, sf_vd, sf_vd_eq, nd_eq) SF_PC(sf_vdm, sf_vd, sf_vd_ne, nd_ne)
SF_PC(sf_vdm, sf_vd, sf_vd_nge, nd_nge)
SF_PX(sf_vfi, sf_vf, sf_vf_bits, nf_bits) SF_PX(sf_vf, sf_vfi, sf_vfi_asf, nfi_asf)
SF_PX(sf_vf, sf_vfi, sf_vfi_cvtf, nfi_cvtf)
SF_PX(sf_vdi, sf_vd, sf_vd_bits, nd_bits) SF_PX(sf_vd, sf_vdi, sf_vdi_asd, ndi_asd)
#define sf_vfi_sll(x, n) ({ sf_vfi r_; r_.a = nfi_sll((x).a, n); r_.b = nfi_sll((x).b, n); r_; })
#define sf_vfi_srl(x, n) ({ sf_vfi r_; r_.a = nfi_srl((x).a, n); r_.b = nfi_srl((x).b, n); r_; })
#define sf_vfi_sra(x, n) ({ sf_vfi r_; r_.a = nfi_sra((x).a, n); r_.b = nfi_sra((x).b, n); r_; })
#define sf_vdi_sll(x, n) ({ sf_vdi r_; r_.a = ndi_sll((x).a, n); r_.b = ndi_sll((x).b, n); r_; })
#define sf_vdi_srl(x, n) ({ sf_vdi r_; r_.a = ndi_srl((x).a, n); r_.b = ndi_srl((x).b, n); r_; })
/* A float vector's lanes are its first register's, then its second's; a
 * double vector holds half as many, so the low half of a float vector is
 * its first register, widened into the two registers of a double vector. */
SF_INLINE sf_vd sf_vd_widen_lo(sf_vf x) { sf_vd r; r.a = nd_widen_lo(x.a); r.b = nd_widen_hi(x.a); return r; }
SF_INLINE sf_vd sf_vd_widen_hi(sf_vf x) { sf_vd r; r.a = nd_widen_lo(x.b); r.b = nd_widen_hi(x.b); return r; }
SF_INLINE sf_vf sf_vf_narrow(sf_vd lo, sf_vd hi) { sf_vf r; r.a = nf_narrow2(lo.a, lo.b); r.b = nf_narrow2(hi.a, hi.b); return r; }
#endif

SF_INLINE sf_vf_tab16 sf_vf_tab16_load(const float* t) { return nf_tab16_load(t); }
SF_INLINE sf_vd_tab16 sf_vd_tab16_load(const double* t) { return nd_tab16_load(t); }

SF_P2(sf_vf, sf_vf_add, nf_add) SF_P2(sf_vf, sf_vf_sub, nf_sub) SF_P2(sf_vf, sf_vf_mul, nf_mul)
SF_P2(sf_vf, sf_vf_div, nf_div) SF_P2(sf_vf, sf_vf_min, nf_min) SF_P2(sf_vf, sf_vf_max, nf_max)
SF_P3(sf_vf, sf_vf_fma, nf_fma) SF_P3(sf_vf, sf_vf_fms, nf_fms) SF_P3(sf_vf, sf_vf_fnma, nf_fnma)
SF_P3(sf_vf, sf_vf_mad, nf_mad) SF_P3(sf_vf, sf_vf_nmad, nf_nmad)
SF_P2(sf_vfi, sf_vfi_add, nfi_add) SF_P2(sf_vfi, sf_vfi_sub, nfi_sub) SF_P2(sf_vfi, sf_vfi_and, nfi_and) SF_P2(sf_vfi, sf_vfi_or, nfi_or)
SF_P2(sf_vfi, sf_vfi_max, nfi_max)
SF_P2(sf_vfm, sf_vfm_or, nfm_or) SF_P2(sf_vfm, sf_vfm_and, nfm_and)
#if SF_PAIRED
SF_INLINE int sf_vfm_any(sf_vfm m) { return nfm_any(nfm_or(m.a, m.b)); }
#else
SF_INLINE int sf_vfm_any(sf_vfm m) { return nfm_any(m); }
#endif
SF_P2(sf_vd, sf_vd_add, nd_add) SF_P2(sf_vd, sf_vd_sub, nd_sub) SF_P2(sf_vd, sf_vd_mul, nd_mul)
SF_P2(sf_vd, sf_vd_div, nd_div) SF_P2(sf_vd, sf_vd_min, nd_min) SF_P2(sf_vd, sf_vd_max, nd_max)
SF_P3(sf_vd, sf_vd_fma, nd_fma) SF_P3(sf_vd, sf_vd_fms, nd_fms) SF_P3(sf_vd, sf_vd_fnma, nd_fnma)
SF_P3(sf_vd, sf_vd_mad, nd_mad) SF_P3(sf_vd, sf_vd_nmad, nd_nmad)
SF_P2(sf_vdi, sf_vdi_add, ndi_add) SF_P2(sf_vdi, sf_vdi_sub, ndi_sub) SF_P2(sf_vdi, sf_vdi_and, ndi_and) SF_P2(sf_vdi, sf_vdi_or, ndi_or)
SF_P2(sf_vdi, sf_vdi_max, ndi_max)
SF_P2(sf_vdm, sf_vdm_or, ndm_or) SF_P2(sf_vdm, sf_vdm_and, ndm_and)

#endif /* SF_VEC_H */
