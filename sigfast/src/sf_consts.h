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

/* ---- the gates glu, swiglu (sigfast/_core/gate.pxd) ---- */

/* a sigma(b) for b < GATE_FAR = -745 (where sigma(b) = e**b to 2**-1075
 * relative, but the logistic core's clamp at -760 is reached while
 * |a| e**b can still be a normal number for |a| up to 2**1024): the core
 * runs at b + 700 (exact: an integer added to a number of larger
 * magnitude) and the product is scaled by e**-700 = GATE_E700_HI +
 * GATE_E700_LO (mpmath; the lo word is subnormal, 2**-64 of the hi word
 * to within its 10 bits).  DBL_MIN: below it 2**(K+1) is not exact. */
#define SF_GATE_FAR (-745.0)
#define SF_GATE_SHIFT 700.0
#define SF_GATE_E700_HI 9.85967654375977e-305
#define SF_GATE_E700_LO 8.5e-322
#define SF_GATE_DBL_MIN 0x1p-1022
/* Scalings that keep every product but the last normal (gate.pxd): inputs
 * below TINY are scaled up by 2**128, products of the swiglu inputs below
 * TINY / above BIG by 2**+-600 (2**600 x 2**-450 and 2**-600 x 2**1000
 * stay normal and finite). */
#define SF_GATE_TINY 0x1p-900
#define SF_GATE_BIG 0x1p1000
#define SF_TWO600 0x1p600
#define SF_TWOM600 0x1p-600
/* The float64 gates' common lanes (gate.pxd): sigma's argument >= -707
 * (2**(K+1) normal), |A| in [TINY, BIG], the result in [2**-1020, BIG]. */
#define SF_GATE_SMIN (-707.0)
#define SF_GATE_RMIN 0x1p-1020
/* The float32 gates' fast lanes (gate.pxd): sigma's argument >= -87
 * (2**(K+1) normal), |A| >= 2**-38 (|A| q0 normal and its FMA error exact
 * for q0 >= 2**-64), the
 * result in [2**-125, 2**127.99] (normal, finite). */
#define SF_GATE_F_SMIN (-87.0f)
#define SF_GATE_F_AMIN 0x1p-38f
#define SF_GATE_F_RMIN 0x1p-125f
#define SF_GATE_F_RMAX 0x1.fffffep127f

#endif /* SF_CONSTS_H */
