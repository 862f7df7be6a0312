/*
 * sf_vec_avx512.h -- sf_vec.h's single-register layer for AVX-512
 * (x86-64-v4): zmm, 16 floats / 8 doubles, mask registers for compares,
 * vpermps / vpermt2pd for the 16-entry tables.
 */
#ifndef SF_VEC_H
#error "include sf_vec.h, which picks the instruction set"
#endif

#include <immintrin.h>

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
SF_INLINE nf nfi_cvtf(nfi a) { return _mm512_cvtepi32_ps(a); }
#define nfi_sll(a, n) _mm512_slli_epi32((a), (n))
#define nfi_srl(a, n) _mm512_srli_epi32((a), (n))
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
SF_INLINE int ndm_any(ndm a) { return a != 0; }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return _mm512_mask_blend_pd(m, b, a); }
SF_INLINE ndi nd_bits(nd a) { return _mm512_castpd_si512(a); }
SF_INLINE nd ndi_asd(ndi a) { return _mm512_castsi512_pd(a); }
SF_INLINE ndi ndi_set(int64_t a) { return _mm512_set1_epi64(a); }
SF_INLINE ndi ndi_add(ndi a, ndi b) { return _mm512_add_epi64(a, b); }
SF_INLINE ndi ndi_sub(ndi a, ndi b) { return _mm512_sub_epi64(a, b); }
SF_INLINE ndi ndi_and(ndi a, ndi b) { return _mm512_and_si512(a, b); }
SF_INLINE ndi ndi_or(ndi a, ndi b) { return _mm512_or_si512(a, b); }
#define ndi_sll(a, n) _mm512_slli_epi64((a), (n))
#define ndi_srl(a, n) _mm512_srli_epi64((a), (n))
typedef struct { nd lo, hi; } nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { nd_tab16 r; r.lo = _mm512_loadu_pd(t); r.hi = _mm512_loadu_pd(t + 8); return r; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i) { return _mm512_permutex2var_pd(t.lo, i, t.hi); }


/* float32 <-> float64: SF_ND_LANES floats widened into one double register
 * (exact), and rounded back (once, to nearest).  For the float32 functions
 * that evaluate their float64 formula. */
SF_INLINE nd nd_load_f32(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
SF_INLINE void nd_store_f32(float* p, nd a) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(a)); }

/* Half a float vector and one double vector: nd_widen_lo/hi(a) are the
 * low / high SF_ND_LANES floats of one float register widened (exact),
 * nf_narrow2(lo, hi) rounds two double registers (once each, to nearest)
 * into one float register, lo's lanes first.  For float32 formulas that
 * evaluate part of a vector in float64. */
SF_INLINE nd nd_widen_lo(nf a) { return _mm512_cvtps_pd(_mm512_castps512_ps256(a)); }
SF_INLINE nd nd_widen_hi(nf a) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1)); }
SF_INLINE nf nf_narrow2(nd lo, nd hi)
{
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}

/* Software prefetch of a read a few KiB ahead (a hint: never faults). */
#define SF_PREFETCH(p) _mm_prefetch((const char*)(p), _MM_HINT_T0)

/* a*b - c and c - a*b, rounded once */
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return _mm512_fmsub_ps(a, b, c); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return _mm512_fmsub_pd(a, b, c); }
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return _mm512_fnmadd_ps(a, b, c); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return _mm512_fnmadd_pd(a, b, c); }
#define SF_VEC_NATIVE_FMS 1
#define SF_VEC_FUSED_MAD 1
#define SF_VEC_PAIRED 1
