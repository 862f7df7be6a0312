/*
 * sf_vec_neon.h -- sf_vec.h's single-register layer for AArch64 Advanced
 * SIMD (NEON): q registers, 4 floats / 2 doubles, hardware FMA.  NEON is
 * part of every AArch64 CPU (the baseline of Linux aarch64 and macOS
 * arm64), so the aarch64 build has this one level.
 *
 * Where NEON's instruction differs from the semantics sf_vec.h promises,
 * the x86 behaviour is built from a compare and a bit select:
 *   min/max   FMIN/FMAX return the NaN operand (and order -0 below +0);
 *             the formulas rely on MINPS/MAXPS's "a < b ? a : b", which
 *             returns the second operand when either is NaN.
 * Tables: the 16 floats are one 64-byte TBL4 table (byte indices built
 * from j); the doubles are read from memory, lane by lane.
 */
#ifndef SF_VEC_H
#error "include sf_vec.h, which picks the instruction set"
#endif

#include <arm_neon.h>

typedef float32x4_t nf; typedef int32x4_t nfi; typedef uint32x4_t nfm;
typedef float64x2_t nd; typedef int64x2_t ndi; typedef uint64x2_t ndm;
#define SF_NF_LANES 4
#define SF_ND_LANES 2

SF_INLINE nf nf_set(float a) { return vdupq_n_f32(a); }
SF_INLINE nf nf_load(const float* p) { return vld1q_f32(p); }
SF_INLINE void nf_store(float* p, nf a) { vst1q_f32(p, a); }
SF_INLINE nf nf_add(nf a, nf b) { return vaddq_f32(a, b); }
SF_INLINE nf nf_sub(nf a, nf b) { return vsubq_f32(a, b); }
SF_INLINE nf nf_mul(nf a, nf b) { return vmulq_f32(a, b); }
SF_INLINE nf nf_div(nf a, nf b) { return vdivq_f32(a, b); }
SF_INLINE nf nf_fma(nf a, nf b, nf c) { return vfmaq_f32(c, a, b); }
SF_INLINE nf nf_min(nf a, nf b) { return vminq_f32(a, b); }
SF_INLINE nf nf_max(nf a, nf b) { return vmaxq_f32(a, b); }
SF_INLINE nfm nf_lt(nf a, nf b) { return vcltq_f32(a, b); }
SF_INLINE nfm nf_eq(nf a, nf b) { return vceqq_f32(a, b); }
SF_INLINE nfm nf_ne(nf a, nf b) { return vmvnq_u32(vceqq_f32(a, b)); }
SF_INLINE nfm nf_nge(nf a, nf b) { return vmvnq_u32(vcgeq_f32(a, b)); }
SF_INLINE nfm nfm_or(nfm a, nfm b) { return vorrq_u32(a, b); }
SF_INLINE nfm nfm_and(nfm a, nfm b) { return vandq_u32(a, b); }
SF_INLINE int nfm_any(nfm a) { return vmaxvq_u32(a) != 0; }
SF_INLINE nf nf_sel(nfm m, nf a, nf b) { return vbslq_f32(m, a, b); }
SF_INLINE nfi nf_bits(nf a) { return vreinterpretq_s32_f32(a); }
SF_INLINE nf nfi_asf(nfi a) { return vreinterpretq_f32_s32(a); }
SF_INLINE nfi nfi_set(int32_t a) { return vdupq_n_s32(a); }
SF_INLINE nfi nfi_add(nfi a, nfi b) { return vaddq_s32(a, b); }
SF_INLINE nfi nfi_sub(nfi a, nfi b) { return vsubq_s32(a, b); }
SF_INLINE nfi nfi_and(nfi a, nfi b) { return vandq_s32(a, b); }
SF_INLINE nfi nfi_or(nfi a, nfi b) { return vorrq_s32(a, b); }
SF_INLINE nf nfi_cvtf(nfi a) { return vcvtq_f32_s32(a); }
#define nfi_sll(a, n) vshlq_n_s32((a), (n))
#define nfi_srl(a, n) vreinterpretq_s32_u32(vshrq_n_u32(vreinterpretq_u32_s32(a), (n)))
/* t[j]: byte k of lane j's entry is at 4j + k, so the byte indices are
 * (j & 15) * 0x04040404 + 0x03020100, one multiply-add. */
typedef uint8x16x4_t nf_tab16;
/* one LD1 of four registers: GCC reloads tables inside the loop when the
 * formula's constants fill the register file, and then this is one load */
SF_INLINE nf_tab16 nf_tab16_load(const float* t) { return vld1q_u8_x4((const uint8_t*)t); }
SF_INLINE nf nf_lookup16(nf_tab16 t, nfi i)
{
    uint32x4_t j = vandq_u32(vreinterpretq_u32_s32(i), vdupq_n_u32(15));
    uint32x4_t b = vmlaq_u32(vdupq_n_u32(0x03020100u), j, vdupq_n_u32(0x04040404u));
    return vreinterpretq_f32_u8(vqtbl4q_u8(t, vreinterpretq_u8_u32(b)));
}

SF_INLINE nd nd_set(double a) { return vdupq_n_f64(a); }
SF_INLINE nd nd_load(const double* p) { return vld1q_f64(p); }
SF_INLINE void nd_store(double* p, nd a) { vst1q_f64(p, a); }
SF_INLINE nd nd_add(nd a, nd b) { return vaddq_f64(a, b); }
SF_INLINE nd nd_sub(nd a, nd b) { return vsubq_f64(a, b); }
SF_INLINE nd nd_mul(nd a, nd b) { return vmulq_f64(a, b); }
SF_INLINE nd nd_div(nd a, nd b) { return vdivq_f64(a, b); }
SF_INLINE nd nd_fma(nd a, nd b, nd c) { return vfmaq_f64(c, a, b); }
SF_INLINE nd nd_min(nd a, nd b) { return vminq_f64(a, b); }
SF_INLINE nd nd_max(nd a, nd b) { return vmaxq_f64(a, b); }
SF_INLINE ndm nd_lt(nd a, nd b) { return vcltq_f64(a, b); }
SF_INLINE ndm nd_eq(nd a, nd b) { return vceqq_f64(a, b); }
SF_INLINE ndm nd_ne(nd a, nd b) { return vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(vceqq_f64(a, b)))); }
SF_INLINE ndm nd_nge(nd a, nd b) { return vreinterpretq_u64_u32(vmvnq_u32(vreinterpretq_u32_u64(vcgeq_f64(a, b)))); }
SF_INLINE ndm ndm_or(ndm a, ndm b) { return vorrq_u64(a, b); }
SF_INLINE ndm ndm_and(ndm a, ndm b) { return vandq_u64(a, b); }
SF_INLINE int ndm_any(ndm a) { return vmaxvq_u32(vreinterpretq_u32_u64(a)) != 0; }
SF_INLINE nd nd_sel(ndm m, nd a, nd b) { return vbslq_f64(m, a, b); }
SF_INLINE ndi nd_bits(nd a) { return vreinterpretq_s64_f64(a); }
SF_INLINE nd ndi_asd(ndi a) { return vreinterpretq_f64_s64(a); }
SF_INLINE ndi ndi_set(int64_t a) { return vdupq_n_s64(a); }
SF_INLINE ndi ndi_add(ndi a, ndi b) { return vaddq_s64(a, b); }
SF_INLINE ndi ndi_sub(ndi a, ndi b) { return vsubq_s64(a, b); }
SF_INLINE ndi ndi_and(ndi a, ndi b) { return vandq_s64(a, b); }
SF_INLINE ndi ndi_or(ndi a, ndi b) { return vorrq_s64(a, b); }
#define ndi_sll(a, n) vshlq_n_s64((a), (n))
#define ndi_srl(a, n) vreinterpretq_s64_u64(vshrq_n_u64(vreinterpretq_u64_s64(a), (n)))
/* t[j] for doubles: two lane loads from memory.  A 128-byte table would
 * need 8 q registers held across the loop (TBL4 + TBX4); with the float
 * tables and the formulas' constants that is more than 32, and GCC then
 * reloads tables and constants inside the loop. */
typedef const double* nd_tab16;
SF_INLINE nd_tab16 nd_tab16_load(const double* t) { return t; }
SF_INLINE nd nd_lookup16(nd_tab16 t, ndi i)
{
    ndi j = vandq_s64(i, vdupq_n_s64(15));
    return vld1q_lane_f64(t + vgetq_lane_s64(j, 1), vld1q_dup_f64(t + vgetq_lane_s64(j, 0)), 1);
}

/* float32 <-> float64: SF_ND_LANES floats widened into one double register
 * (exact), and rounded back (once, to nearest). */
SF_INLINE nd nd_load_f32(const float* p) { return vcvt_f64_f32(vld1_f32(p)); }
SF_INLINE void nd_store_f32(float* p, nd a) { vst1_f32(p, vcvt_f32_f64(a)); }

/* Half a float vector and one double vector (see sf_vec_x86.h). */
SF_INLINE nd nd_widen_lo(nf a) { return vcvt_f64_f32(vget_low_f32(a)); }
SF_INLINE nd nd_widen_hi(nf a) { return vcvt_high_f64_f32(a); }
SF_INLINE nf nf_narrow2(nd lo, nd hi) { return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi); }

/* Software prefetch of a read a few KiB ahead (a hint: never faults). */
#define SF_PREFETCH(p) __builtin_prefetch((const void*)(p), 0, 3)

/* a*b - c and c - a*b, rounded once: FMLS is c - a*b; a*b - c is FMLA on
 * -c (exact), as x86's VFMSUB. */
SF_INLINE nf nf_fms(nf a, nf b, nf c) { return vfmaq_f32(vnegq_f32(c), a, b); }
SF_INLINE nd nd_fms(nd a, nd b, nd c) { return vfmaq_f64(vnegq_f64(c), a, b); }
SF_INLINE nf nf_fnma(nf a, nf b, nf c) { return vfmsq_f32(c, a, b); }
SF_INLINE nd nd_fnma(nd a, nd b, nd c) { return vfmsq_f64(c, a, b); }
#define SF_VEC_NATIVE_FMS 1
#define SF_VEC_FUSED_MAD 1
/* two registers per vector, as on x86 (docs/design.md: 1-4 % fewer
 * instructions in total with -mcmodel=tiny, and two independent chains) */
#define SF_VEC_PAIRED 1
