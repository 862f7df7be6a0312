/*
 * sf_vec_scalar.h -- sf_vec.h's single-register layer for the portable
 * level: one C scalar per "register", fma() from <math.h>.  Any CPU
 * family or compiler without a SIMD backend (MSVC, POWER, s390x, ...).
 */
#ifndef SF_VEC_H
#error "include sf_vec.h, which picks the instruction set"
#endif

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
SF_INLINE nf nfi_cvtf(nfi a) { return (nf)a; }
#define nfi_sll(a, n) ((nfi)((uint32_t)(a) << (n)))
#define nfi_srl(a, n) ((nfi)((uint32_t)(a) >> (n)))
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
SF_INLINE int ndm_any(ndm a) { return a != 0; }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return m ? a : b; }
SF_INLINE ndi nd_bits(nd a) { ndi u; memcpy(&u, &a, 8); return u; }
SF_INLINE nd ndi_asd(ndi a) { nd x; memcpy(&x, &a, 8); return x; }
SF_INLINE ndi ndi_set(int64_t a) { return a; }
SF_INLINE ndi ndi_add(ndi a, ndi b) { return (ndi)((uint64_t)a + (uint64_t)b); }
SF_INLINE ndi ndi_sub(ndi a, ndi b) { return (ndi)((uint64_t)a - (uint64_t)b); }
SF_INLINE ndi ndi_and(ndi a, ndi b) { return a & b; }
SF_INLINE ndi ndi_or(ndi a, ndi b) { return a | b; }
#define ndi_sll(a, n) ((ndi)((uint64_t)(a) << (n)))
#define ndi_srl(a, n) ((ndi)((uint64_t)(a) >> (n)))
typedef const double* nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { return t; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i) { return t[i & 15]; }

/* float32 <-> float64: SF_ND_LANES floats widened into one double register
 * (exact), and rounded back (once, to nearest).  For the float32 functions
 * that evaluate their float64 formula. */
SF_INLINE nd nd_load_f32(const float* p) { return (double)*p; }
SF_INLINE void nd_store_f32(float* p, nd a) { *p = (float)a; }

/* Half a float vector and one double vector: nd_widen_lo/hi(a) are the
 * low / high SF_ND_LANES floats of one float register widened (exact),
 * nf_narrow2(lo, hi) rounds two double registers (once each, to nearest)
 * into one float register, lo's lanes first.  For float32 formulas that
 * evaluate part of a vector in float64.  The portable level has one float
 * lane: the high half is empty (0.0) and nf_narrow2 ignores it. */
SF_INLINE nd nd_widen_lo(nf a) { return (double)a; }
SF_INLINE nd nd_widen_hi(nf a) { (void)a; return 0.0; }
SF_INLINE nf nf_narrow2(nd lo, nd hi) { (void)hi; return (float)lo; }

/* Software prefetch of a read a few KiB ahead (a hint: never faults). */
#define SF_PREFETCH(p) ((void)(p))

/* fma() is one instruction where the target has FMA; elsewhere it may be
 * a library call, so mad is a multiply and an add there. */
#define SF_VEC_NATIVE_FMS 0
#if defined(__aarch64__) || defined(_M_ARM64) || defined(__ARM_FEATURE_FMA) || defined(__FMA__)
#define SF_VEC_FUSED_MAD 1
#else
#define SF_VEC_FUSED_MAD 0
#endif
#define SF_VEC_PAIRED 0
