# Layer 0 of the kernels: what C provides (sigfast/src/sf_platform.h,
# sf_consts.h, <fenv.h>, NumPy's half floats).  Everything above cimports
# its C names from here, never from a header directly.

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
    double sf_pow2d(double k)
    double sf_logbd(double x)
    double sf_mantd(double x)
    double sf_prod_errd(double a, double b, double p)
    double sf_fmad(double a, double b, double c)
    float sf_fmaf(float a, float b, float c)
    float sf_pow2f_64(float k)
    float sf_negabsf(float x)
    # the SIMD loops' flag guard (MXCSR on x86-64, <fenv.h> elsewhere)
    ctypedef unsigned int sf_fpstate
    sf_fpstate sf_fpstate_save()
    void sf_fpstate_restore(sf_fpstate saved)
    double fabs(double x)
    const double INFINITY
    const double NAN

cdef extern from "sf_consts.h" nogil:
    const double SF_LN2_HI, SF_LN2_LO, SF_LN2, SF_INV_LN2, SF_SQRT2, SF_SHIFT52
    const double SF_TWO54, SF_TWOM1000
    const float SF_F_INV_LN2, SF_F_SHIFT23, SF_F_LN2, SF_F_LN2_ERR
    const float SF_F_LN2_HI, SF_F_LN2_LO, SF_F_SQRT2, SF_F_TWOM64
    const double SF_AMAX, SF_F_AMAX, SF_KDEN, SF_KSPLIT, SF_KSERIES, SF_KLOG
    const float SF_F_NACLAMP
    const double SF_SILU_X0_HI, SF_SILU_X0_LO, SF_SILU_WINDOW

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
