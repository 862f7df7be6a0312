/*
 * sf_consts.h -- every numeric constant of the kernels, named once, as an
 * exact hex-float literal, with where it comes from.
 *
 * Tables and polynomial coefficients are not here: they are in sf_poly.h,
 * which tools/precompute/kernel_tables.py generates (tests/test_precompute.py
 * checks the two agree).  The engines (sigfast/_core/engine32.pxd,
 * engine64.pxd), logit.pxd and silu.pxd declare what they use.
 */
#ifndef SF_CONSTS_H
#define SF_CONSTS_H

/* ---- float64 ---- */

/* ln 2 split (fdlibm): LN2_HI has its 21 low bits zero, so j*LN2_HI + f is
 * exact in the logs (log1pexp_f64, logit); LN2_HI + LN2_LO is ln 2 to
 * about 2**-86. */
#define SF_LN2_HI 0x1.62e42feep-1
#define SF_LN2_LO 0x1.a39ef35793c76p-33
/* fl(sqrt 2): log reductions keep the mantissa in [sqrt2/2, sqrt2]. */
#define SF_SQRT2 0x1.6a09e667f3bcdp+0
/* 1.5 * 2**52: (t + SHIFT) - SHIFT rounds t to an integer (|t| < 2**51);
 * the engine's shifter. */
#define SF_SHIFT52 0x1.8p+52
/* 2**54, 2**-1000: logit_f64's scalings that keep operands normal. */
#define SF_TWO54 0x1p+54
#define SF_TWOM1000 0x1p-1000

/* ---- float32 ---- */

/* 1.5 * 2**23, the float32 round-to-integer shifter. */
#define SF_F_SHIFT23 0x1.8p+23f
/* ln 2 split so that j*LN2_HI + f is exact (LN2_HI has 16 significant bits). */
#define SF_F_LN2_HI 0x1.62e4p-1f
#define SF_F_LN2_LO 0x1.7f7d1cp-20f
#define SF_F_SQRT2 0x1.6a09e6p+0f
/* 2**-64: undoes the 2**64 bias of engine32's P64 = 2**(K+1+64). */
#define SF_F_TWOM64 0x1p-64f
/* logit_f32: 2**24 lifts a subnormal p to a normal float exactly (the
 * smallest, 2**-149, to 2**-125); 2**-23 rescales J * 2**23 (J in the
 * exponent-field position where the integer reduction leaves it), 2**-24
 * the same at the half scale of the small terms; 2**-126 (FLT_MIN) bounds
 * the lanes that take the fix-up (p subnormal, p <= 0 or 1 - p <= 0). */
#define SF_F_TWO24 0x1p+24f
#define SF_F_TWOM23 0x1p-23f
#define SF_F_TWOM24 0x1p-24f
#define SF_F_TWOM126 0x1p-126f

/* ---- the vector engines (sigfast/_core/engine32.pxd, engine64.pxd) ---- */

/* Bits of the round-to-integer shifters 1.5*2**23 and 1.5*2**52: the low
 * bits of shifter + n hold n (two's complement, |n| < 2**22 / 2**51). */
#define SF_F_SHIFT23_BITS 0x4B400000
#define SF_SHIFT52_BITS 0x4338000000000000LL
/* 2**128 and 2**-128: the bias of engine64's P128 = 2**(K+1+128) and its
 * undoing; 2**-32: silu_f32's bias. */
#define SF_TWOM128 0x1p-128
#define SF_TWO128 0x1p+128
#define SF_F_TWOM32 0x1p-32f
/* sigmoid_grad_f64: below P = 2**-1019 its result (P times at most 1.1)
 * may be subnormal, and the vector is rounded by scale_once_f64. */
#define SF_TWOM1019 0x1p-1019
/* Clamps of the logistic core, x in [XLO, XHI]: below XLO every result
 * built from e**x (sigmoid, silu, their derivatives) has rounded to 0
 * (e**-110 < 2**-158, e**-760 < 2**-1096); above XHI sigmoid is 1 and
 * silu is x after rounding (e**-43 < 2**-62, e**-44 < 2**-63); both keep
 * the scaled powers of two 2**(K+1+64) / 2**(K+1+128) normal. */
#define SF_F_XLO (-110.0f)
#define SF_F_XHI 43.0f
#define SF_XLO (-760.0)
#define SF_XHI 44.0
/* log(1 + e**-a) is below half the smallest subnormal beyond ALOG. */
#define SF_F_ALOG 104.0f
#define SF_ALOG 760.0
/* Below SERIES, log(1 + e) is the series e - e**2/2 + e**3/3 (truncation
 * e**3/4 relative: 2**-32 / 2**-62). */
#define SF_F_SERIES 0x1p-10f
#define SF_SERIES 0x1p-20

/* ---- silu_grad_f32 (sigfast/_core/silu.pxd) ---- */

/* Below XRARE = -85 the x < 0 result's 2**(K+1) can no longer be added to
 * the exponent field exactly (results go subnormal from about -92), so
 * those lanes scale in float64 and round once; at or below XZERO = -109,
 * |silu'(x)| < 2**-150 and the result is -0. */
#define SF_SILU_F_XRARE (-85.0f)
#define SF_SILU_F_XZERO (-109.0f)

#endif /* SF_CONSTS_H */
