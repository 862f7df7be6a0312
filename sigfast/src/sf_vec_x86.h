/*
 * sf_vec_x86.h -- sf_vec.h's single-register layer for AVX2 + FMA
 * (x86-64-v3: ymm, 8 floats / 4 doubles) and SSE4.2 (x86-64-v2: xmm, 4 / 2,
 * FMA emulated).  One file for both: the two differ mostly in the
 * register width, which the X_ / XI_ name macros absorb.
 */
#ifndef SF_VEC_H
#error "include sf_vec.h, which picks the instruction set"
#endif

#include <immintrin.h>

#if defined(SF_VEC_AVX2)
typedef __m256 nf; typedef __m256i nfi; typedef __m256 nfm;
typedef __m256d nd; typedef __m256i ndi; typedef __m256d ndm;
#define SF_NF_LANES 8
#define SF_ND_LANES 4
#define X_(name) _mm256_##name
#define XI_(name) _mm256_##name##_si256
#else
typedef __m128 nf; typedef __m128i nfi; typedef __m128 nfm;
typedef __m128d nd; typedef __m128i ndi; typedef __m128d ndm;
#define SF_NF_LANES 4
#define SF_ND_LANES 2
#define X_(name) _mm_##name
#define XI_(name) _mm_##name##_si128
#endif
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
SF_INLINE int ndm_any(ndm a) { return X_(movemask_pd)(a) != 0; }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return X_(blendv_pd)(b, a, m); }
#if defined(SF_VEC_AVX2)
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
#else
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
#endif
SF_INLINE nfi nfi_set(int32_t a) { return X_(set1_epi32)(a); }
SF_INLINE nfi nfi_add(nfi a, nfi b) { return X_(add_epi32)(a, b); }
SF_INLINE nfi nfi_sub(nfi a, nfi b) { return X_(sub_epi32)(a, b); }
SF_INLINE nfi nfi_and(nfi a, nfi b) { return XI_(and)(a, b); }
SF_INLINE nfi nfi_or(nfi a, nfi b) { return XI_(or)(a, b); }
SF_INLINE nf nfi_cvtf(nfi a) { return X_(cvtepi32_ps)(a); }
#define nfi_sll(a, n) X_(slli_epi32)((a), (n))
#define nfi_srl(a, n) X_(srli_epi32)((a), (n))
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
#if defined(SF_VEC_AVX2)
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
#else
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
#endif

/* float32 <-> float64: SF_ND_LANES floats widened into one double register
 * (exact), and rounded back (once, to nearest).  For the float32 functions
 * that evaluate their float64 formula. */
#if defined(SF_VEC_AVX2)
SF_INLINE nd nd_load_f32(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
SF_INLINE void nd_store_f32(float* p, nd a) { _mm_storeu_ps(p, _mm256_cvtpd_ps(a)); }
#else
SF_INLINE nd nd_load_f32(const float* p) { return _mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd((const double*)p))); }
SF_INLINE void nd_store_f32(float* p, nd a) { _mm_store_sd((double*)p, _mm_castps_pd(_mm_cvtpd_ps(a))); }
#endif

/* Half a float vector and one double vector: nd_widen_lo/hi(a) are the
 * low / high SF_ND_LANES floats of one float register widened (exact),
 * nf_narrow2(lo, hi) rounds two double registers (once each, to nearest)
 * into one float register, lo's lanes first.  For float32 formulas that
 * evaluate part of a vector in float64. */
#if defined(SF_VEC_AVX2)
SF_INLINE nd nd_widen_lo(nf a) { return _mm256_cvtps_pd(_mm256_castps256_ps128(a)); }
SF_INLINE nd nd_widen_hi(nf a) { return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)); }
SF_INLINE nf nf_narrow2(nd lo, nd hi)
{
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
}
#else
SF_INLINE nd nd_widen_lo(nf a) { return _mm_cvtps_pd(a); }
SF_INLINE nd nd_widen_hi(nf a) { return _mm_cvtps_pd(_mm_movehl_ps(a, a)); }
SF_INLINE nf nf_narrow2(nd lo, nd hi) { return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)); }
#endif

/* Software prefetch of a read a few KiB ahead (a hint: never faults). */
#define SF_PREFETCH(p) _mm_prefetch((const char*)(p), _MM_HINT_T0)

#if defined(SF_VEC_AVX2)
/* a*b - c and c - a*b, rounded once */
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return _mm256_fmsub_ps(a, b, c); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return _mm256_fmsub_pd(a, b, c); }
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return _mm256_fnmadd_ps(a, b, c); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return _mm256_fnmadd_pd(a, b, c); }
#define SF_VEC_NATIVE_FMS 1
#define SF_VEC_FUSED_MAD 1
#else
/* FMA is emulated (above): mad and nmad are a multiply and an add */
#define SF_VEC_NATIVE_FMS 0
#define SF_VEC_FUSED_MAD 0
#endif
#define SF_VEC_PAIRED 1
