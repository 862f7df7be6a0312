# Layer 3, family: the gates glu(a, b) = a sigma(b) and
# swiglu(a, b) = silu(a) b = (a b) sigma(a), float64 (the float32 loops
# widen to it: registry wide32; a float32 product of a float32 and a double
# sigma needs no more than float64's 53 bits, and the double result's one
# rounding to float32 costs 2**-29 ulp at most).
#
# Both are |A| sigma(s) with A = a (glu) or a b as two words (swiglu), s =
# b or a, and the sign of a (a b) put back last (keeps -0.0).  sigma(s) is
# the logistic core's 2**(K+1) q0 (1 + h) (2**-104 relative), carried as
# two words x = xh + xl times a power of two; |A| x is formed as two words
# (FMA), summed once, then scaled by powers of two of which only the last
# can round (into the subnormals): one rounding of a value good to ~2**-100.
# What keeps every product before the last exact and finite:
#   s >= 0: x = q0 P (1 + h), in [1/2, 1]: no scaling (q0 alone is 2**-(K+1)
#           small and |A| q0 would underflow for tiny |A|);
#   s < 0:  x = q0 (1 + h) (q0 in (1/4, 1)), then times P = 2**(K+1), or, where
#           P is not a normal number (s < -708), times P128 = 2**(K+1+128)
#           and 2**-128 last;
#   s < GATE_FAR (-745): the core at s + 700 and x times e**-700 (two words;
#           sf_consts.h), so |A| e**s is right down to the smallest
#           subnormal for |A| up to 2**1024 (s to about -1460), where the
#           core's own clamp at -760 alone would give 0;
#   |A| < 2**-900: A times 2**128 first, 2**-128 last (|A| x stays normal,
#           so its FMA error is exact); glu: |a| > 2**1000 times 2**-600
#           first, 2**600 at the first step (the baseline level's FMA
#           emulation splits its operands, which overflows near DBL_MAX);
#   swiglu: a b overflowing (or below 2**-900) is formed as the product of
#           the larger factor times 2**-600 (the smaller times 2**600) and
#           scaled back by 2**600 at the first (2**-600 at the last) step,
#           so silu(a) b is finite wherever the exact value is (a b alone
#           may overflow: a = -800, b = 1e308 gives 2**-121).
# Whenever the result is not 0, every product before the last is then a
# normal number; a value that is 0 after the last step is 0 exactly too.
# Non-finite inputs take the plain product (glu: a sigma(b) with sigma(-inf)
# = 0 and sigma(+inf) = 1, so glu(inf, -inf) is NaN as in PyTorch; swiglu:
# silu(a) b with silu(-inf) = -0.0 as sigfast.silu).
from libc.math cimport INFINITY
from sigfast._core.vec cimport *
from sigfast._core.engine64 cimport Logistic64, clamp_f64, logistic_f64, SF_TWOM128
from sigfast._core.engine32 cimport Logistic32, clamp_f32, logistic_f32

cdef extern from "sf_consts.h" nogil:
    const double SF_GATE_FAR, SF_GATE_SHIFT, SF_GATE_E700_HI, SF_GATE_E700_LO
    const double SF_GATE_DBL_MIN, SF_GATE_TINY, SF_GATE_BIG, SF_GATE_SMIN, SF_GATE_RMIN
    const double SF_TWO128, SF_TWO600, SF_TWOM600
    const float SF_GATE_F_SMIN, SF_GATE_F_AMIN, SF_GATE_F_RMIN, SF_GATE_F_RMAX


cdef inline sf_vd gate_abs_f64(sf_vd x) noexcept nogil:
    return sf_vdi_asd(sf_vdi_and(sf_vd_bits(x), sf_vdi_set(0x7fffffffffffffff)))


cdef inline sf_vd gate_sign_f64(sf_vd r, sf_vd s) noexcept nogil:
    # |r| with the sign bit of s
    return sf_vdi_asd(sf_vdi_or(sf_vd_bits(r), sf_vdi_and(sf_vd_bits(s),
                                                          sf_vdi_set(-0x8000000000000000))))


cdef inline sf_vd gate_core_f64(sf_vd Ah, sf_vd Al, sf_vd s, sf_vd up, sf_vd down) noexcept nogil:
    # (Ah + Al) sigma(s) up down, Ah >= 0: up is applied before the last
    # product, down (<= 1) with it (see the top of this file)
    cdef sf_vd zero = sf_vd_set(0.0), one = sf_vd_set(1.0)
    cdef sf_vdm far = sf_vd_lt(s, sf_vd_set(SF_GATE_FAR))
    cdef sf_vdm neg = sf_vd_lt(s, zero), psub
    cdef Logistic64 c = logistic_f64(clamp_f64(sf_vd_sel(far, sf_vd_add(s, sf_vd_set(SF_GATE_SHIFT)), s)))
    cdef sf_vd qh = sf_vd_mul(c.q0, c.h), xh, xl, th, tl, mh, ml, F1
    xh = sf_vd_sel(neg, c.q0, sf_vd_mul(c.q0, c.P))
    xl = sf_vd_sel(neg, qh, sf_vd_mul(qh, c.P))
    th = sf_vd_mul(xh, sf_vd_set(SF_GATE_E700_HI))
    tl = sf_vd_mad(xl, sf_vd_set(SF_GATE_E700_HI), sf_vd_mad(
        xh, sf_vd_set(SF_GATE_E700_LO), sf_vd_fms(xh, sf_vd_set(SF_GATE_E700_HI), th)))
    xh = sf_vd_sel(far, th, xh)
    xl = sf_vd_sel(far, tl, xl)
    psub = sf_vdm_or(far, sf_vd_lt(c.P, sf_vd_set(SF_GATE_DBL_MIN)))
    F1 = sf_vd_sel(neg, sf_vd_sel(psub, c.P128, c.P), one)
    down = sf_vd_mul(down, sf_vd_sel(psub, sf_vd_set(SF_TWOM128), one))
    mh = sf_vd_mul(Ah, xh)
    ml = sf_vd_mad(Al, xh, sf_vd_mad(Ah, xl, sf_vd_fms(Ah, xh, mh)))
    return sf_vd_mul(sf_vd_mul(sf_vd_add(mh, ml), sf_vd_mul(F1, up)), down)


cdef inline sf_vdm gate_finite_f64(sf_vd a, sf_vd b) noexcept nogil:
    cdef sf_vd inf = sf_vd_set(INFINITY)
    return sf_vdm_and(sf_vd_lt(gate_abs_f64(a), inf), sf_vd_lt(gate_abs_f64(b), inf))


cdef inline sf_vd glu_full_f64(sf_vd a, sf_vd b) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), aa = gate_abs_f64(a), r, plain
    cdef sf_vdm tiny = sf_vd_lt(aa, sf_vd_set(SF_GATE_TINY))
    cdef sf_vdm big = sf_vd_lt(sf_vd_set(SF_GATE_BIG), aa)
    aa = sf_vd_mul(aa, sf_vd_sel(tiny, sf_vd_set(SF_TWO128), sf_vd_sel(big, sf_vd_set(SF_TWOM600), one)))
    r = gate_core_f64(aa, sf_vd_set(0.0), b, sf_vd_sel(big, sf_vd_set(SF_TWO600), one),
                      sf_vd_sel(tiny, sf_vd_set(SF_TWOM128), one))
    # a sigma(b) for non-finite inputs: sigma(-inf) = 0, sigma(+inf) = 1
    plain = sf_vd_mul(a, sf_vd_sel(sf_vd_eq(b, sf_vd_set(-INFINITY)), sf_vd_set(0.0),
                                   sf_vd_sel(sf_vd_eq(b, b), one, b)))
    return sf_vd_sel(gate_finite_f64(a, b), gate_sign_f64(r, a), plain)


cdef inline sf_vd swiglu_full_f64(sf_vd a, sf_vd b) noexcept nogil:
    cdef sf_vd one = sf_vd_set(1.0), aa = gate_abs_f64(a), ab = gate_abs_f64(b)
    cdef sf_vd lo = sf_vd_min(aa, ab), hi = sf_vd_max(aa, ab), p0 = sf_vd_mul(aa, ab)
    cdef sf_vd Ah, Al, r, plain
    cdef sf_vdm small = sf_vd_lt(p0, sf_vd_set(SF_GATE_TINY))
    cdef sf_vdm big = sf_vd_lt(sf_vd_set(SF_GATE_BIG), p0)
    lo = sf_vd_mul(lo, sf_vd_sel(small, sf_vd_set(SF_TWO600), one))
    hi = sf_vd_mul(hi, sf_vd_sel(big, sf_vd_set(SF_TWOM600), one))
    Ah = sf_vd_mul(lo, hi)
    Al = sf_vd_fms(lo, hi, Ah)
    r = gate_core_f64(Ah, Al, a, sf_vd_sel(big, sf_vd_set(SF_TWO600), one),
                      sf_vd_sel(small, sf_vd_set(SF_TWOM600), one))
    # silu(a) b for non-finite inputs, silu(-inf) = -0.0 as sigfast.silu
    plain = sf_vd_mul(sf_vd_sel(sf_vd_eq(a, sf_vd_set(-INFINITY)), sf_vd_set(-0.0), a), b)
    return sf_vd_sel(gate_finite_f64(a, b), gate_sign_f64(r, sf_vd_mul(a, b)), plain)


# ---- float64, the common lanes ---------------------------------------------
# |A| q0 (1 + h) as two words times 2**(K+1), exact, for both signs of s,
# wherever every step is a normal number: s >= -707 (2**(K+1) normal),
# |A| in [2**-900, 2**1000] or 0 (|A| q0 normal and its FMA error exact
# for q0 >= 2**-65, also where the baseline level emulates the FMA by
# splitting, which overflows near DBL_MAX), the result in [2**-1020, 2**1000].  A vector with any other lane
# takes the general formula above for those lanes (2.4x sigmoid's
# instructions at avx2 when every vector did).

cdef inline sf_vd gate_fast_f64(sf_vd Ah, sf_vd Al, bint has_lo, sf_vd s, bint* rare,
                                sf_vdm* m) noexcept nogil:
    cdef Logistic64 c = logistic_f64(clamp_f64(s))
    cdef sf_vd mh, ml, r, ra, t, zero = sf_vd_set(0.0)
    mh = sf_vd_mul(Ah, c.q0)
    ml = sf_vd_mad(Ah, sf_vd_mul(c.q0, c.h), sf_vd_fms(Ah, c.q0, mh))
    if has_lo:
        ml = sf_vd_mad(Al, c.q0, ml)
    r = sf_vd_mul(sf_vd_add(mh, ml), c.P)
    ra = gate_abs_f64(r)
    m[0] = sf_vdm_or(sf_vdm_or(sf_vd_nge(s, sf_vd_set(SF_GATE_SMIN)),
                               sf_vd_nge(sf_vd_set(SF_GATE_BIG), sf_vd_max(Ah, ra))),
                     sf_vdm_and(sf_vdm_or(sf_vd_nge(Ah, sf_vd_set(SF_GATE_TINY)),
                                          sf_vd_nge(ra, sf_vd_set(SF_GATE_RMIN))),
                                sf_vd_ne(Ah, zero)))
    # (no mask test for double vectors in vec.pxd: narrowed to float lanes)
    t = sf_vd_sel(m[0], sf_vd_set(1.0), zero)
    rare[0] = sf_vfm_any(sf_vf_ne(sf_vf_narrow(t, t), sf_vf_set(0.0)))
    return r


cdef inline sf_vd glu_f64(sf_vd a, sf_vd b) noexcept nogil:
    cdef bint rare
    cdef sf_vdm m
    cdef sf_vd r = gate_sign_f64(gate_fast_f64(gate_abs_f64(a), sf_vd_set(0.0), False, b,
                                               &rare, &m), a)
    if rare:
        r = sf_vd_sel(m, glu_full_f64(a, b), r)
    return r


cdef inline sf_vd swiglu_f64(sf_vd a, sf_vd b) noexcept nogil:
    cdef bint rare
    cdef sf_vdm m
    cdef sf_vd aa = gate_abs_f64(a), ab = gate_abs_f64(b), Ah, r
    Ah = sf_vd_mul(aa, ab)
    r = gate_sign_f64(gate_fast_f64(Ah, sf_vd_fms(aa, ab, Ah), True, a, &rare, &m),
                      sf_vd_mul(a, b))
    if rare:
        r = sf_vd_sel(m, swiglu_full_f64(a, b), r)
    return r


# ---- float32 ---------------------------------------------------------------
# The common lanes in float32, on engine32: |A| q0 (1 + h) as two words
# (the product's error by FMA), summed, times 2**(K+1), exact.  That is one
# rounding of a value good to ~2**-28 (the float32 core's e**-r; 2**-4 ulp),
# wherever every step is a normal number: |A| >= 2**-38 or 0 (|A| q0 and
# its FMA error exact), s >= -87 (2**(K+1) normal), the result normal and
# finite, A finite.  A vector with any other lane (tiny,
# huge or subnormal results, s < -87, non-finite inputs) takes the float64
# formula on the widened lanes for those lanes, rounded once.

cdef inline sf_vf gate_abs_f32(sf_vf x) noexcept nogil:
    return sf_vfi_asf(sf_vfi_and(sf_vf_bits(x), sf_vfi_set(0x7fffffff)))


cdef inline sf_vf gate_core_f32(sf_vf Ah, sf_vf Al, bint has_lo, sf_vf s, sf_vfm* rare) noexcept nogil:
    # |A| q0 (1 + h) 2**(K+1) for both signs of s: |A| >= 2**-38 keeps
    # |A| q0 normal and its FMA error exact down to q0 = 2**-64 (s = 43)
    cdef Logistic32 c = logistic_f32(clamp_f32(s))
    cdef sf_vf mh, ml, r, ra
    mh = sf_vf_mul(Ah, c.q0)
    ml = sf_vf_mad(Ah, sf_vf_mul(c.q0, c.h), sf_vf_fms(Ah, c.q0, mh))
    if has_lo:
        ml = sf_vf_mad(Al, c.q0, ml)
    r = sf_vf_mul(sf_vf_add(mh, ml), c.P)
    ra = gate_abs_f32(r)
    rare[0] = sf_vfm_or(sf_vfm_or(sf_vf_nge(s, sf_vf_set(SF_GATE_F_SMIN)),
                                  sf_vf_nge(sf_vf_set(SF_GATE_F_RMAX), ra)),
                        sf_vfm_and(sf_vfm_or(sf_vf_nge(Ah, sf_vf_set(SF_GATE_F_AMIN)),
                                             sf_vf_nge(ra, sf_vf_set(SF_GATE_F_RMIN))),
                                   sf_vf_ne(Ah, sf_vf_set(0.0))))
    return r


cdef inline sf_vf gate_sign_f32(sf_vf r, sf_vf s) noexcept nogil:
    return sf_vfi_asf(sf_vfi_or(sf_vf_bits(r), sf_vfi_and(sf_vf_bits(s), sf_vfi_set(-0x80000000))))


cdef inline sf_vf glu_f32(sf_vf a, sf_vf b) noexcept nogil:
    cdef sf_vfm rare
    cdef sf_vf r = gate_sign_f32(gate_core_f32(gate_abs_f32(a), sf_vf_set(0.0), False, b, &rare), a)
    if sf_vfm_any(rare):
        r = sf_vf_sel(rare, sf_vf_narrow(
            glu_f64(sf_vd_widen_lo(a), sf_vd_widen_lo(b)),
            glu_f64(sf_vd_widen_hi(a), sf_vd_widen_hi(b))), r)
    return r


cdef inline sf_vf swiglu_f32(sf_vf a, sf_vf b) noexcept nogil:
    cdef sf_vfm rare
    cdef sf_vf aa = gate_abs_f32(a), ab = gate_abs_f32(b), Ah, Al, r
    Ah = sf_vf_mul(aa, ab)
    Al = sf_vf_fms(aa, ab, Ah)
    r = gate_sign_f32(gate_core_f32(Ah, Al, True, a, &rare), sf_vf_mul(a, b))
    if sf_vfm_any(rare):
        r = sf_vf_sel(rare, sf_vf_narrow(
            swiglu_f64(sf_vd_widen_lo(a), sf_vd_widen_lo(b)),
            swiglu_f64(sf_vd_widen_hi(a), sf_vd_widen_hi(b))), r)
    return r
