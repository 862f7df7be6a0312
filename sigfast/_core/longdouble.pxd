# Layer 3, long double: every registry function as `<name>_ld`, for the
# ufuncs' g->g / gg->g loops (numpy.longdouble in, numpy.longdouble out).
#
# Scalar code for correctness, not speed (scipy.special accepts long double,
# so the drop-in aliases must too): branches are fine here and nothing is
# vectorized.  The formulas follow the float64 ones (never exp(+|x|), the
# same special values and signed zeros, each rounding error carried as a
# second word, 2**k applied last so subnormal results are rounded once), on
# a small engine of their own: libm's expl/log1pl are within about one ulp
# (measured 0.98 / 0.88 ulp on x86-64 glibc), which composed formulas cannot
# afford against a 2-ulp bound, and silu' near its zero needs exp(-a) to
# about 2**-(p+9).
#
# Format independence: long double is IEEE double (MSVC, macOS arm64), x87
# extended (p = 64) or IEEE quad (p = 113).  The code uses only +, -, *, /
# (correctly rounded in all three), ldexpl and frexpl; p-dependent
# constants come from sigfast/src/sf_longdouble.h (<float.h> based), and
# constants needing more than one long double are sums of IEEE doubles.

from sigfast._core.platform cimport (
    fabsl, ldexpl, frexpl, INFINITY, NAN,
    SF_LD_SPLITTER, SF_LD_SPLIT_MAX, SF_LD_AMAX, SF_LD_INV_LN2, SF_LD_SQRT2,
    SF_LD_SILU_WINDOW, SF_LD_LN2_C1, SF_LD_LN2_C2, SF_LD_LN2_C3, SF_LD_LN2_C4,
    SF_LD_SILU_X0_D1, SF_LD_SILU_X0_D2, SF_LD_SILU_X0_D3, SF_LD_SILU_X0_D4, SF_LD_SILU_X0_D5,
    SF_LD_SILU_T1_D1, SF_LD_SILU_T1_D2, SF_LD_SILU_T1_D3,
    SF_LD_EXP_DEG, SF_LD_LOG_TERMS, SF_LD_SILU_DEG, SF_LD_KSERIES,
    sf_ld_invfact, sf_ld_atanh2, sf_ld_silu_taylor)

ctypedef long double ld


# ---- error-free transformations in long double (see eft.pxd) ----

cdef inline ld ld_two_sum(ld a, ld b, ld* err) noexcept nogil:
    cdef ld s = a + b
    cdef ld bb = s - a
    err[0] = (a - (s - bb)) + (b - bb)
    return s


cdef inline ld ld_fast_two_sum(ld a, ld b, ld* err) noexcept nogil:
    # |a| >= |b| (or a = 0)
    cdef ld s = a + b
    err[0] = (a - s) + b
    return s


cdef inline ld ld_prod_err(ld a, ld b, ld p) noexcept nogil:
    # a*b - p exactly for p = fl(a*b), by Dekker's product (a software fmal
    # costs far more on x87 and quad).  0 where the split would overflow
    # (the callers only get there where the error term does not matter).
    cdef ld t, ah, al, u, bh, bl
    if not (fabsl(a) < SF_LD_SPLIT_MAX and fabsl(b) < SF_LD_SPLIT_MAX):
        return 0
    t = SF_LD_SPLITTER * a
    ah = t - (t - a)
    al = a - ah
    u = SF_LD_SPLITTER * b
    bh = u - (u - b)
    bl = b - bh
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


# ---- engine: exp(-a), 1/(1+e), log of a ratio ----

cdef inline ld ld_exp_neg(ld a, ld* el, int* k) noexcept nogil:
    # exp(-a) = 2**-k (eh + el) for 0 <= a <= AMAX; eh + el in [0.70, 1.42]
    # with a relative error about 2**-(p+9).
    #
    # r = k ln2 - a as rh + rl: k*C1 - a is exact (k*C1 has at most 47 bits,
    # and the difference fits in p bits), k*C2 is exact, TwoSum joins them.
    # e**rh = 1 + rh + rh**2/2 + rh**3/6 + rh**4 P(rh): the three leading
    # terms keep their rounding errors (rh**3/6 reaches 0.007, whose rounding
    # alone would be 2**-(p+7)); the Taylor tail P is below 6e-4.
    cdef int kk = <int>(a * SF_LD_INV_LN2 + 0.5)
    cdef int n
    cdef ld kf = kk
    cdef ld t1, rh, rl, s, se, c3, c3e, t3, m, t3l, tail, u, ul, u2, u2l, u3, u3l, eh
    t1 = kf * <ld>SF_LD_LN2_C1 - a
    rh = ld_two_sum(t1, kf * <ld>SF_LD_LN2_C2, &rl)
    rl = rl + (kf * <ld>SF_LD_LN2_C3 + kf * <ld>SF_LD_LN2_C4)
    rh = ld_fast_two_sum(rh, rl, &rl)
    s = rh * rh
    se = ld_prod_err(rh, rh, s)
    c3 = s * rh
    c3e = ld_prod_err(s, rh, c3) + se * rh
    t3 = c3 / 6
    m = t3 * 6
    # c3 - 6*t3 exactly: c3 - m by Sterbenz, 6*t3 - m by Dekker
    t3l = (((c3 - m) - ld_prod_err(t3, 6, m)) + c3e) / 6
    tail = sf_ld_invfact[SF_LD_EXP_DEG]
    for n in range(SF_LD_EXP_DEG - 1, 3, -1):
        tail = tail * rh + sf_ld_invfact[n]
    tail = (c3 * rh) * tail
    u = ld_fast_two_sum(1, rh, &ul)
    u2 = ld_fast_two_sum(u, s * 0.5, &u2l)
    u3 = ld_fast_two_sum(u2, t3, &u3l)
    eh = ld_fast_two_sum(u3, ((ul + u2l) + (u3l + se * 0.5)) + (t3l + tail), el)
    el[0] = el[0] + eh * rl                  # e**(rh + rl) = e**rh (1 + rl)
    k[0] = kk
    return eh


cdef inline ld ld_sig_parts(ld a, ld* res, ld* eh, ld* el, int* k) noexcept nogil:
    # For 0 <= a <= AMAX: e = exp(-a) = 2**-k (eh + el) and q = fl(1/(1+e))
    # with 1/(1+e) = q (1 + res) to about 2**-(p+9).  d + dl = 1 + e
    # (Fast2Sum, 1 >= e); res = 1 - (d + dl) q, with d*q - 1 exact.
    cdef ld e1, e2, d, dl, q, pq
    eh[0] = ld_exp_neg(a, el, k)
    e1 = ldexpl(eh[0], -k[0])
    e2 = ldexpl(el[0], -k[0])
    d = ld_fast_two_sum(1, e1, &dl)
    dl = dl + e2
    q = 1 / d
    pq = d * q
    res[0] = ((1 - pq) - ld_prod_err(d, q, pq)) - dl * q
    return q


cdef inline ld ld_clamp_abs(ld x) noexcept nogil:
    # |x| clamped at AMAX (x is not NaN)
    cdef ld a = fabsl(x)
    return SF_LD_AMAX if a > SF_LD_AMAX else a


cdef inline ld ld_sig_core(ld x, ld* yl, int* kk) noexcept nogil:
    # sigma(x) = 2**kk (yh + yl), x not NaN:
    #   x >= 0:  q (1 + res);   x < 0:  2**-k (eh + el) q (1 + res).
    cdef ld res, eh, el, q, p1
    cdef int k
    q = ld_sig_parts(ld_clamp_abs(x), &res, &eh, &el, &k)
    if x >= 0:
        yl[0] = q * res
        kk[0] = 0
        return q
    p1 = eh * q
    yl[0] = ld_prod_err(eh, q, p1) + (el * q + p1 * res)
    kk[0] = -k
    return p1


cdef inline ld ld_log_ratio(ld nh, ld nl, ld dh, ld dl, ld j, ld* yl) noexcept nogil:
    # log((nh + nl)/(dh + dl)) + j ln2 = yh + yl, for a ratio m in
    # [0.70, 1.42] (so nh - dh is exact, Sterbenz) and |j| < 2**15.
    # log(m) = 2 atanh(s) = 2s + s R(s*s), s = (m - 1)/(m + 1), |s| <= 0.172;
    # s's rounding error sl comes from the exact residual.  j ln2 is
    # j*C1 + j*C2 (both exact) + j*(C3 + C4).
    cdef ld uh, ul, vh, vl, s, ps, sl, z, R, h, he, g, ge
    cdef int n
    uh = ld_two_sum(nh - dh, nl - dl, &ul)
    vh = ld_two_sum(nh, dh, &vl)
    vl = vl + (nl + dl)
    s = uh / vh
    ps = s * vh
    sl = (((uh - ps) - ld_prod_err(s, vh, ps)) + ul - s * vl) / vh
    z = s * s
    R = sf_ld_atanh2[SF_LD_LOG_TERMS]
    for n in range(SF_LD_LOG_TERMS - 1, 0, -1):
        R = R * z + sf_ld_atanh2[n]
    R = R * z
    h = ld_two_sum(j * <ld>SF_LD_LN2_C1, 2 * s, &he)
    g = ld_two_sum(h, j * <ld>SF_LD_LN2_C2, &ge)
    yl[0] = (he + ge) + ((j * <ld>SF_LD_LN2_C3 + j * <ld>SF_LD_LN2_C4) + (2 * sl + s * R))
    return g


cdef inline ld ld_log1p_exp_neg(ld a, ld* Ll) noexcept nogil:
    # L = log(1 + exp(-a)) = Lh + Ll for 0 <= a <= AMAX, already scaled (a
    # subnormal L is rounded once, in Lh).  Small e: the series
    # e (1 - e/2 + e**2/3) on the unscaled 2**k e; else log(d + dl) with
    # d + dl = 1 + e, as a ratio over 1 or 2.
    cdef ld eh, el, e, c, th, tl, e1, e2, d, dl
    cdef int k
    eh = ld_exp_neg(a, &el, &k)
    if k >= SF_LD_KSERIES:
        e = ldexpl(eh, -k)
        c = e * (0.5 - e / 3)
        th = ld_fast_two_sum(eh, el - eh * c, &tl)
        Ll[0] = ldexpl(tl, -k)
        return ldexpl(th, -k)
    e1 = ldexpl(eh, -k)
    e2 = ldexpl(el, -k)
    d = ld_fast_two_sum(1, e1, &dl)
    dl = dl + e2
    if d > SF_LD_SQRT2:
        return ld_log_ratio(d, dl, 2, 0, 1, Ll)
    return ld_log_ratio(d, dl, 1, 0, 0, Ll)


# ---- the registry functions ----

cdef inline ld sigmoid_ld(ld x) noexcept nogil:
    cdef ld yh, yl
    cdef int kk
    if x != x:
        return x
    yh = ld_sig_core(x, &yl, &kk)
    return ldexpl(yh + yl, kk)


cdef inline ld sigmoid_grad_ld(ld x) noexcept nogil:
    # e/(1+e)**2 = 2**-k (eh + el) q**2 (1 + res)**2, two products by q with
    # their errors kept (see sigmoid_grad_f64).
    cdef ld res, eh, el, q, p1, c1, uh, ul, p2, c2
    cdef int k
    if x != x:
        return x
    q = ld_sig_parts(ld_clamp_abs(x), &res, &eh, &el, &k)
    p1 = eh * q
    c1 = ld_prod_err(eh, q, p1) + (el * q + p1 * res)
    uh = ld_fast_two_sum(p1, c1, &ul)
    p2 = uh * q
    c2 = ld_prod_err(uh, q, p2) + (ul * q + p2 * res)
    return ldexpl(p2 + c2, -k)


cdef inline ld sigmoid_grad_from_output_ld(ld y) noexcept nogil:
    # y (1 - y) with 1 - y = w + wl (TwoSum) and the product's error kept;
    # p alone when the correction is 0 keeps -0.0 at y = -0.0.
    cdef ld w, wl, p, corr
    w = ld_two_sum(1, -y, &wl)
    p = y * w
    corr = ld_prod_err(y, w, p) + y * wl
    if not fabsl(p) < SF_LD_SPLIT_MAX:
        corr = 0
    return p + corr if corr != 0 else p


cdef inline ld log_sigmoid_ld(ld x) noexcept nogil:
    # -(L - min(x, 0)), summed by TwoSum so it is rounded once; below -AMAX
    # the exact result rounds to x (also -inf at -inf); -0.0 at +inf.
    cdef ld mx, Lh, Ll, h, he
    if x != x or x < -SF_LD_AMAX:
        return x
    mx = x if x < 0 else 0
    Lh = ld_log1p_exp_neg(ld_clamp_abs(x), &Ll)
    h = ld_two_sum(Lh, -mx, &he)
    return -(h + (he + Ll))


cdef inline ld softplus_ld(ld x) noexcept nogil:
    return -log_sigmoid_ld(-x)


cdef inline ld logit_ld(ld p) noexcept nogil:
    # 1 - p = w + wl exactly; p/(w + wl) = 2**J A/(B + Bl) from frexpl (which
    # also takes subnormal p apart exactly), with A/B brought into
    # [0.707, 1.414]; then log of that ratio as in ld_log_ratio, where A - B
    # is exact (so logit keeps full relative accuracy near p = 1/2).
    cdef ld w, wl, A, B, Bl, yh, yl
    cdef int ep, ew, adj = 0
    if p != p:
        return p
    if not (p >= 0 and p <= 1):
        return NAN
    if p == 0:
        return -INFINITY
    if p == 1:
        return INFINITY
    w = ld_fast_two_sum(1, -p, &wl)
    A = frexpl(p, &ep)
    B = frexpl(w, &ew)
    Bl = ldexpl(wl, -ew)
    if A > SF_LD_SQRT2 * B:
        A = A * 0.5
        adj = 1
    elif B > SF_LD_SQRT2 * A:
        A = A * 2
        adj = -1
    yh = ld_log_ratio(A, 0, B, Bl, <ld>(ep - ew + adj), &yl)
    return yh + yl


cdef inline ld silu_ld(ld x) noexcept nogil:
    # 2**kk x (yh + yl) with x*yh's error kept; x clamped at -AMAX (the exact
    # result already rounds to -0); huge products skip the correction.
    cdef ld yh, yl, xc, p, corr
    cdef int kk
    if x != x:
        return x
    yh = ld_sig_core(x, &yl, &kk)
    xc = -SF_LD_AMAX if x < -SF_LD_AMAX else x
    p = xc * yh
    corr = ld_prod_err(xc, yh, p) + xc * yl
    if not fabsl(p) < SF_LD_SPLIT_MAX:
        corr = 0
    return ldexpl(p + corr if corr != 0 else p, kk)


cdef inline ld ld_silu_grad_near_zero(ld x) noexcept nogil:
    # silu' about its zero x0 = D1 + ... + D5 (five doubles: x may lie within
    # a quad ulp of x0, and delta must still be exact to p bits):
    # delta = x - x0 = dh + dl, with x - D1 exact (Sterbenz) and D2, D3
    # taken off by TwoSums (the second is exact when delta is tiny), then
    # renormalized so that the tail, in dh alone, misses nothing.  T1 delta
    # with T1 = silu''(x0) in three doubles, plus sum_{n>=2} c_n delta**n.
    cdef ld dh, dl, e1, e2, p, pe, tail
    cdef int n
    dh = ld_two_sum(x - <ld>SF_LD_SILU_X0_D1, -<ld>SF_LD_SILU_X0_D2, &e1)
    dh = ld_two_sum(dh, -<ld>SF_LD_SILU_X0_D3, &e2)
    dl = (e1 + e2) - (<ld>SF_LD_SILU_X0_D4 + <ld>SF_LD_SILU_X0_D5)
    dh = ld_fast_two_sum(dh, dl, &dl)
    p = dh * <ld>SF_LD_SILU_T1_D1
    pe = (ld_prod_err(dh, SF_LD_SILU_T1_D1, p)
          + (dh * (<ld>SF_LD_SILU_T1_D2 + <ld>SF_LD_SILU_T1_D3) + dl * <ld>SF_LD_SILU_T1_D1))
    tail = sf_ld_silu_taylor[SF_LD_SILU_DEG]
    for n in range(SF_LD_SILU_DEG - 1, 1, -1):
        tail = tail * dh + sf_ld_silu_taylor[n]
    return p + (pe + (dh * dh) * tail)


cdef inline ld silu_grad_ld(ld x) noexcept nogil:
    # sigma(x) (1 + x sigma(-x)) as silu_grad_f64: with big = sigma(|x|) =
    # q (1 + res) and small = sigma(-|x|) = 2**-k (sh + sl), the factor
    # 1 + x sigma(-x) is a TwoSum of 1 and the two-word product; near the
    # zero x0 = -1.2785 that still cancels, so within the window the Taylor
    # series about x0 is used.
    cdef ld res, eh, el, q, p1, c1, sh, sl, bh, bl, oh, ol, ih, il, xc
    cdef ld Th, Te, Uh, Ul, gh, ge
    cdef int k, ko, ki
    if x != x:
        return x
    if fabsl(x - <ld>SF_LD_SILU_X0_D1) < SF_LD_SILU_WINDOW:
        return ld_silu_grad_near_zero(x)
    q = ld_sig_parts(ld_clamp_abs(x), &res, &eh, &el, &k)
    p1 = eh * q
    c1 = ld_prod_err(eh, q, p1) + (el * q + p1 * res)
    sh = ld_fast_two_sum(p1, c1, &sl)
    bh = q
    bl = q * res
    if x < 0:
        oh, ol, ko = sh, sl, -k
        ih, il, ki = bh, bl, 0
    else:
        oh, ol, ko = bh, bl, 0
        ih, il, ki = sh, sl, -k
    xc = -SF_LD_AMAX if x < -SF_LD_AMAX else (SF_LD_AMAX if x > SF_LD_AMAX else x)
    Th = xc * ih
    Te = ld_prod_err(xc, ih, Th) + xc * il
    Th = ldexpl(Th, ki)
    Te = ldexpl(Te, ki)
    Uh = ld_two_sum(1, Th, &Ul)
    Ul = Ul + Te
    gh = oh * Uh
    ge = ld_prod_err(oh, Uh, gh) + (oh * Ul + ol * Uh)
    return ldexpl(gh + ge, ko)


cdef inline ld bce_with_logits_ld(ld z, ld y) noexcept nogil:
    # relu(z)(1 - y) + relu(-z) y + L (see bce_term), with the product's and
    # the sums' rounding errors kept, so the sum is rounded about once.
    # Infinite or huge operands take the plain sum, which has the float64
    # loop's special values (0 at z = +-inf with the matching target).
    cdef ld Lh, Ll, omy, t1, t2, plain, w, wl, t, te, h, he
    if z != z or y != y:
        return z + y
    Lh = ld_log1p_exp_neg(ld_clamp_abs(z), &Ll)
    omy = 1 - y
    t1 = 0 if omy == 0 else (z if z > 0 else 0) * omy
    t2 = 0 if y == 0 else (-z if z < 0 else 0) * y
    plain = (t1 + t2) + (Lh + Ll)
    if not (fabsl(z) < SF_LD_SPLIT_MAX and fabsl(y) < SF_LD_SPLIT_MAX
            and fabsl(plain) < SF_LD_SPLIT_MAX):
        return plain
    if z > 0:
        w = ld_two_sum(1, -y, &wl)
        t = z * w
        te = ld_prod_err(z, w, t) + z * wl
    else:
        t = -z * y
        te = ld_prod_err(-z, y, t)
    h = ld_two_sum(t, Lh, &he)
    return h + ((te + he) + Ll)


cdef inline ld bce_with_logits_grad_ld(ld z, ld y) noexcept nogil:
    # sigma(z) - y as bce_with_logits_grad_f64: with s = sigma(-|z|) =
    # sh + sl, z < 0: s - y;  z >= 0: (1 - y) - s with 1 - y = w + wl, so
    # the tail keeps full accuracy and is exactly 0 at z = +inf, y = 1.  The
    # leading difference is a TwoSum, so the result is rounded once (plain
    # differences, as in float64, measured 0.996 ulp).
    cdef ld yh, yl, sh, sl, w, wl, h, he
    cdef int kk
    if z != z or y != y:
        return z + y
    yh = ld_sig_core(-fabsl(z), &yl, &kk)
    sh = ldexpl(yh, kk)
    sl = ldexpl(yl, kk)
    if z < 0:
        h = ld_two_sum(sh, -y, &he)
        if he != he:                        # y = +-inf: TwoSum's inf - inf
            he = 0
        return h + (he + sl)
    w = ld_two_sum(1, -y, &wl)
    h = ld_two_sum(w, -sh, &he)
    if he != he or wl != wl:
        he = 0
        wl = 0
    return h + ((he + wl) - sl)


cdef inline ld ld_gate(ld A, ld Al, ld s, int e) noexcept nogil:
    # 2**e (A + Al) sigma(s), s finite: frexpl keeps A's products normal
    # and finite, so only ldexpl's final scaling can round a second time.
    # Below -AMAX (where the core clamps) sigma(s) = e**s = e**(s/2)**2 to
    # far below the last bit, and |A| up to 2**emax still needs it: the core
    # at s/2, squared (2**2kk (yh + yl)**2; below -2 AMAX every result is 0).
    cdef ld yh, yl, m, mh, ml
    cdef int kk, ea
    if s < -SF_LD_AMAX:
        yh = ld_sig_core(s * 0.5, &yl, &kk)
        m = yh * yh
        yl = ld_prod_err(yh, yh, m) + 2 * yh * yl
        yh = m
        kk = 2 * kk
    else:
        yh = ld_sig_core(s, &yl, &kk)
    m = frexpl(A, &ea)
    Al = ldexpl(Al, -ea)
    mh = m * yh
    ml = ld_prod_err(m, yh, mh) + (m * yl + Al * yh)
    # (ml = 0: keeps the sign of a zero product)
    return ldexpl(mh + ml if ml != 0 else mh, kk + ea + e)


cdef inline ld glu_ld(ld a, ld b) noexcept nogil:
    # a sigma(b) (gate.pxd); non-finite inputs take the plain product with
    # sigma(-inf) = 0, sigma(inf) = 1
    if not (fabsl(a) < INFINITY and fabsl(b) < INFINITY):
        return a * (0 if b == -INFINITY else (1 if b == b else b))
    return ld_gate(a, 0, b, 0)


cdef inline ld swiglu_ld(ld a, ld b) noexcept nogil:
    # (a b) sigma(a) with a b as two words, b's exponent moved into the
    # final scaling so that a b cannot overflow (a = -800, b = 1e308)
    cdef ld m, p
    cdef int eb
    if not (fabsl(a) < INFINITY and fabsl(b) < INFINITY):
        return (-0.0 if a == -INFINITY else a) * b
    m = frexpl(b, &eb)
    p = a * m
    return ld_gate(p, ld_prod_err(a, m, p), a, eb)
cdef inline ld log1mexp_ld(ld x) noexcept nogil:
    # log(1 - e**-a), a = -x (log1mexp_f64): e = 2**-k (eh + el), W = 1 - e
    # = wh + wl by TwoSums.  For k = 0 the reduction leaves r = -a exact
    # and e's rounding errors are carried in el, so W keeps its relative
    # accuracy however small a is (the -expm1 regime needs no formula of
    # its own here).  log W = -log(1/W), W = 2**ew (B + Bl), as a ratio
    # over 1 (ld_log_ratio).  Small e: -e (1 + e/2 + e**2/3), scaled last.
    cdef ld a, eh, el, e, c, th, tl, wh, wl, B, Bl, yh, yl
    cdef int k, ew
    if x != x:
        return x
    if x > 0:
        return NAN
    if x == 0:
        return -INFINITY
    a = -x if -x < SF_LD_AMAX else SF_LD_AMAX
    eh = ld_exp_neg(a, &el, &k)
    if k >= SF_LD_KSERIES:
        e = ldexpl(eh, -k)
        c = e * (0.5 + e / 3)
        th = ld_fast_two_sum(eh, el + eh * c, &tl)
        return -(ldexpl(th, -k) + ldexpl(tl, -k))
    wh = ld_two_sum(1, -ldexpl(eh, -k), &wl)
    # renormalized: for tiny a, 1 - eh is 0 and W is all in el
    wh = ld_two_sum(wh, wl - ldexpl(el, -k), &wl)
    B = frexpl(wh, &ew)
    Bl = ldexpl(wl, -ew)
    if B * SF_LD_SQRT2 < 1:
        B = B * 2
        Bl = Bl * 2
        ew = ew - 1
    yh = ld_log_ratio(1, 0, B, Bl, <ld>(-ew), &yl)
    return -(yh + yl)


cdef inline ld logit_eps_ld(ld p, ld eps) noexcept nogil:
    # PyTorch's clamp (sigfast/_core/logit.pxd), then logit
    cdef ld hi = 1 - eps
    if eps != eps:
        return eps
    if eps >= 0:
        p = eps if p < eps else (hi if p > hi else p)
    return logit_ld(p)
