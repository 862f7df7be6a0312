/*
 * sf_vec.h -- the SIMD vehicle of the kernels: one small set of vector
 * primitives, defined once per instruction set.  The formulas
 * (sigfast/_core/ pxd files) are written once against the sf_vf_... / sf_vd_...
 * names; the target a module is compiled for picks the definitions, one
 * header per instruction set for the single-register layer (nf_..., nd_...):
 *
 *   AVX-512 (x86-64-v4)  zmm: 16 floats / 8 doubles per register  sf_vec_avx512.h
 *   AVX2    (x86-64-v3)  ymm: 8 / 4, hardware FMA                  sf_vec_x86.h
 *   SSE4.2  (x86-64-v2)  xmm: 4 / 2, FMA emulated exactly enough   sf_vec_x86.h
 *   NEON    (AArch64)    q: 4 / 2, hardware FMA                    sf_vec_neon.h
 *   portable (anything else): C scalars, fma()                    sf_vec_scalar.h
 *
 * (sf_vec_select.h picks one, for GCC, Clang and MSVC alike), and this
 * file builds the vectors the formulas use on top of it.
 *
 * On the SIMD levels a vector (sf_vf, sf_vd) is TWO machine registers and
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
 *   vfm_any(m), vdm_any(m)  nonzero when any lane of the mask is set: for a
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

#include "sf_vec_select.h"

#if defined(__GNUC__) || defined(__clang__)
#  define SF_INLINE static inline __attribute__((always_inline))
#else
#  define SF_INLINE static __forceinline
#endif

/* ====================================================================== */
/* One machine register: nf (float), nd (double), their integer lanes and  */
/* masks, 16-entry tables, widening/narrowing, prefetch, and fms/fnma      */
/* where the ISA has them (SF_VEC_NATIVE_FMS), whether mad fuses           */
/* (SF_VEC_FUSED_MAD).                                                    */
/* ====================================================================== */
#if defined(SF_VEC_AVX512)
#  include "sf_vec_avx512.h"
#elif defined(SF_VEC_AVX2) || defined(SF_VEC_SSE)
#  include "sf_vec_x86.h"
#elif defined(SF_VEC_NEON)
#  include "sf_vec_neon.h"
#else
#  include "sf_vec_scalar.h"
#endif

#if !SF_VEC_NATIVE_FMS
/* a*b - c and c - a*b through fma (-c and -a are exact) */
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return nf_fma(a, b, nf_sub(nf_set(0.0f), c)); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return nd_fma(a, b, nd_sub(nd_set(0.0), c)); }
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return nf_fma(nf_sub(nf_set(0.0f), a), b, c); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return nd_fma(nd_sub(nd_set(0.0), a), b, c); }
#endif

/* a*b + c where one rounding more or less does not matter (polynomials,
 * products known to be exact): the FMA instruction where the ISA has one,
 * a multiply and an add where FMA would be emulated (SSE4.2, and the
 * portable level, where fma() may be a library call). */
#if SF_VEC_FUSED_MAD
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
/* The vectors the formulas use: two registers on the SIMD levels         */
/* ====================================================================== */
#if !SF_VEC_PAIRED
#define SF_PAIRED 0
typedef nf sf_vf; typedef nfi sf_vfi; typedef nfm sf_vfm; typedef nf_tab16 sf_vf_tab16;
typedef nd sf_vd; typedef ndi sf_vdi; typedef ndm sf_vdm; typedef nd_tab16 sf_vd_tab16;
#define SF_VF_LANES SF_NF_LANES
#define SF_VD_LANES SF_ND_LANES
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
/* Shifts by a constant stay macros, so the count reaches the intrinsic as
 * an immediate; a compound literal, not a GCC statement expression, so
 * MSVC compiles them too. */
#define sf_vfi_sll(x, n) ((sf_vfi){ nfi_sll((x).a, n), nfi_sll((x).b, n) })
#define sf_vfi_srl(x, n) ((sf_vfi){ nfi_srl((x).a, n), nfi_srl((x).b, n) })
#define sf_vdi_sll(x, n) ((sf_vdi){ ndi_sll((x).a, n), ndi_sll((x).b, n) })
#define sf_vdi_srl(x, n) ((sf_vdi){ ndi_srl((x).a, n), ndi_srl((x).b, n) })
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
SF_P2(sf_vdm, sf_vdm_or, ndm_or) SF_P2(sf_vdm, sf_vdm_and, ndm_and)
#if SF_PAIRED
SF_INLINE int sf_vdm_any(sf_vdm m) { return ndm_any(ndm_or(m.a, m.b)); }
#else
SF_INLINE int sf_vdm_any(sf_vdm m) { return ndm_any(m); }
#endif

#endif /* SF_VEC_H */
