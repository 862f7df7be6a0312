# Layer 0 of the kernels: what C provides (sigfast/src/sf_platform.h,
# <fenv.h>, NumPy's half floats, libm, sf_longdouble.h) to the ufunc loops,
# the fused loss and the long double kernels.  The vector formulas take
# their primitives from vec.pxd (sf_vec.h), and each engine or family file
# declares the sf_consts.h / sf_poly.h constants it uses beside its code.

cdef extern from "<fenv.h>" nogil:
    int FE_ALL_EXCEPT
    int fetestexcept(int excepts)
    int feclearexcept(int excepts)
    int feraiseexcept(int excepts)

cdef extern from "numpy/halffloat.h" nogil:
    ctypedef unsigned short npy_half
    float npy_half_to_float(npy_half h)
    npy_half npy_float_to_half(float f)

cdef extern from "sf_platform.h" nogil:
    const char* SF_LEVEL_NAME
    unsigned int sf_f2u(float x)
    float sf_u2f(unsigned int u)
    # the SIMD loops' flag guard (MXCSR on x86-64, <fenv.h> elsewhere)
    ctypedef unsigned int sf_fpstate
    sf_fpstate sf_fpstate_save()
    void sf_fpstate_restore(sf_fpstate saved)
    double fabs(double x)
    const double INFINITY
    const double NAN

# The two floating types every kernel comes in.
ctypedef fused real:
    float
    double

# The long double kernels (longdouble.pxd): libm's long double helpers and
# the format-independent constants of sf_longdouble.h.
cdef extern from "sf_longdouble.h" nogil:
    long double fabsl(long double x)
    long double ldexpl(long double x, int e)
    long double frexpl(long double x, int* e)
    const long double SF_LD_SPLITTER, SF_LD_SPLIT_MAX, SF_LD_AMAX, SF_LD_INV_LN2
    const long double SF_LD_SQRT2, SF_LD_SILU_WINDOW
    const double SF_LD_LN2_C1, SF_LD_LN2_C2, SF_LD_LN2_C3, SF_LD_LN2_C4
    const double SF_LD_SILU_X0_D1, SF_LD_SILU_X0_D2, SF_LD_SILU_X0_D3, SF_LD_SILU_X0_D4
    const double SF_LD_SILU_X0_D5
    const double SF_LD_SILU_T1_D1, SF_LD_SILU_T1_D2, SF_LD_SILU_T1_D3
    const int SF_LD_EXP_DEG, SF_LD_LOG_TERMS, SF_LD_SILU_DEG, SF_LD_KSERIES
    const long double sf_ld_invfact[27]
    const long double sf_ld_atanh2[25]
    const long double sf_ld_silu_taylor[18]
