/*
 * tools/msvc_check.py compiles this for each x86 level with clang in MSVC
 * mode: every sf_vf_ / sf_vd_ primitive of sf_vec.h (the names the
 * formulas in sigfast/_core use, vec.pxd), the sf_platform.h helpers, and
 * one loop shaped like a kernel's (a clamp, a Cody-Waite reduction, a
 * polynomial, a table read, a 2**k built from bits, a divide), so that the
 * object can be checked for the registers each level must use.
 */
#include "sf_vec.h"
#include "sf_platform.h"
#include "sf_consts.h"
#include "sf_poly.h"
#include "sf_longdouble.h"
#include "sf_omp.h"

#define EXPORT __declspec(dllexport)

const char* sf_check_vec_name(void) { return SF_VEC_NAME; }
const char* sf_check_level_name(void) { return SF_LEVEL_NAME; }
int sf_check_lanes(void) { return SF_VF_LANES * 1000 + SF_VD_LANES; }

#define VF1(op) EXPORT void t_vf_##op(float* y, const float* a) \
    { sf_vf_store(y, sf_vf_##op(sf_vf_load(a))); }
#define VF2(op) EXPORT void t_vf_##op(float* y, const float* a, const float* b) \
    { sf_vf_store(y, sf_vf_##op(sf_vf_load(a), sf_vf_load(b))); }
#define VF3(op) EXPORT void t_vf_##op(float* y, const float* a, const float* b, const float* c) \
    { sf_vf_store(y, sf_vf_##op(sf_vf_load(a), sf_vf_load(b), sf_vf_load(c))); }
#define VFM(op) EXPORT void t_vf_##op(float* y, const float* a, const float* b) \
    { sf_vf_store(y, sf_vf_sel(sf_vf_##op(sf_vf_load(a), sf_vf_load(b)), sf_vf_load(a), sf_vf_load(b))); }
#define VD2(op) EXPORT void t_vd_##op(double* y, const double* a, const double* b) \
    { sf_vd_store(y, sf_vd_##op(sf_vd_load(a), sf_vd_load(b))); }
#define VD3(op) EXPORT void t_vd_##op(double* y, const double* a, const double* b, const double* c) \
    { sf_vd_store(y, sf_vd_##op(sf_vd_load(a), sf_vd_load(b), sf_vd_load(c))); }
#define VDM(op) EXPORT void t_vd_##op(double* y, const double* a, const double* b) \
    { sf_vd_store(y, sf_vd_sel(sf_vd_##op(sf_vd_load(a), sf_vd_load(b)), sf_vd_load(a), sf_vd_load(b))); }
#define VFI2(op) EXPORT void t_vfi_##op(float* y, const float* a, const float* b) \
    { sf_vf_store(y, sf_vfi_asf(sf_vfi_##op(sf_vf_bits(sf_vf_load(a)), sf_vf_bits(sf_vf_load(b))))); }
#define VDI2(op) EXPORT void t_vdi_##op(double* y, const double* a, const double* b) \
    { sf_vd_store(y, sf_vdi_asd(sf_vdi_##op(sf_vd_bits(sf_vd_load(a)), sf_vd_bits(sf_vd_load(b))))); }

VF2(add) VF2(sub) VF2(mul) VF2(div) VF2(min) VF2(max)
VF3(fma) VF3(mad) VF3(nmad) VF3(fms) VF3(fnma)
VFM(lt) VFM(eq) VFM(ne) VFM(nge)
VD2(add) VD2(sub) VD2(mul) VD2(div) VD2(min) VD2(max)
VD3(fma) VD3(mad) VD3(nmad) VD3(fms) VD3(fnma)
VDM(lt) VDM(eq) VDM(ne) VDM(nge)
VFI2(add) VFI2(sub) VFI2(and) VFI2(or)
VDI2(add) VDI2(sub) VDI2(and) VDI2(or)

EXPORT int t_vfm_any_or_and(const float* a, const float* b)
{
    sf_vf x = sf_vf_load(a), z = sf_vf_load(b);
    return sf_vfm_any(sf_vfm_or(sf_vf_lt(x, z), sf_vfm_and(sf_vf_eq(x, z), sf_vf_ne(x, z))));
}
EXPORT int t_vdm_or_and(double* y, const double* a, const double* b)
{
    sf_vd x = sf_vd_load(a), z = sf_vd_load(b);
    sf_vdm m = sf_vdm_or(sf_vd_lt(x, z), sf_vdm_and(sf_vd_eq(x, z), sf_vd_ne(x, z)));
    sf_vd_store(y, sf_vd_sel(m, x, z));
    return SF_PAIRED + 2 * sf_vdm_any(m);
}
EXPORT void t_vfi_misc(float* y, const float* a, int c)
{
    sf_vfi i = sf_vfi_add(sf_vf_bits(sf_vf_load(a)), sf_vfi_set(c));
    i = sf_vfi_or(sf_vfi_sll(i, 3), sf_vfi_srl(i, 7));
    i = sf_vfi_sub(i, sf_vfi_srl(i, 2));
    sf_vf_store(y, sf_vf_add(sf_vfi_asf(i), sf_vfi_cvtf(i)));
}
EXPORT void t_vdi_misc(double* y, const double* a, long long c)
{
    sf_vdi i = sf_vdi_add(sf_vd_bits(sf_vd_load(a)), sf_vdi_set(c));
    i = sf_vdi_or(sf_vdi_sll(i, 52), sf_vdi_srl(i, 11));
    sf_vd_store(y, sf_vdi_asd(i));
}
EXPORT void t_tables(float* yf, double* yd, const float* a, const double* b)
{
    sf_vf_tab16 tf = sf_vf_tab16_load(SF_T16F_HI);
    sf_vd_tab16 td = sf_vd_tab16_load(SF_T16D_HI);
    sf_vf_store(yf, sf_vf_lookup16(tf, sf_vf_bits(sf_vf_load(a))));
    sf_vd_store(yd, sf_vd_lookup16(td, sf_vd_bits(sf_vd_load(b))));
}
EXPORT void t_convert(float* yf, double* yd, const float* a, const double* b)
{
    sf_vf x = sf_vf_load(a);
    sf_vd lo = sf_vd_widen_lo(x), hi = sf_vd_widen_hi(x);
    sf_vf_store(yf, sf_vf_narrow(lo, hi));
    sf_vd_store(yd, sf_vd_add(sf_vd_load_f32(a), sf_vd_load(b)));
    sf_vd_store_f32(yf + SF_VF_LANES, sf_vd_load(b));
    sf_vd_store(yd + SF_VD_LANES, sf_vd_set(1.0));
    sf_vf_store(yf + 2 * SF_VF_LANES, sf_vf_set(1.0f));
}

/* A float64 logistic sigmoid shaped like the kernels' (engine64.pxd): the
 * hot loop the register checks look at. */
EXPORT void t_kernel_sigmoid_f64(double* y, const double* x, ptrdiff_t n)
{
    const sf_vd_tab16 T = sf_vd_tab16_load(SF_T16D_HI);
    ptrdiff_t i;
    sf_fpstate fp = sf_fpstate_save();
    for (i = 0; i + SF_VD_LANES <= n; i += SF_VD_LANES) {
        SF_PREFETCH(x + i + 512);
        sf_vd v = sf_vd_min(sf_vd_set(SF_XHI), sf_vd_max(sf_vd_set(SF_XLO), sf_vd_load(x + i)));
        sf_vd kf = sf_vd_mad(v, sf_vd_set(SF_L16D_INV), sf_vd_set(SF_SHIFT52));
        sf_vdi kb = sf_vd_bits(kf);
        kf = sf_vd_sub(kf, sf_vd_set(SF_SHIFT52));
        sf_vd r = sf_vd_fnma(kf, sf_vd_set(SF_L16D_HI), v);
        r = sf_vd_nmad(kf, sf_vd_set(SF_L16D_LO), r);
        sf_vd p = sf_vd_mad(r, sf_vd_set(SF_EXPD_C3), sf_vd_set(SF_EXPD_C2));
        p = sf_vd_fma(sf_vd_mul(r, r), p, r);
        sf_vd t = sf_vd_lookup16(T, kb);
        sf_vd k2 = sf_vdi_asd(sf_vdi_sll(sf_vdi_add(sf_vdi_and(kb, sf_vdi_set(~15LL)), sf_vdi_set(1023LL << 4)), 48));
        sf_vd e = sf_vd_mul(sf_vd_mul(t, k2), sf_vd_add(sf_vd_set(1.0), p));
        sf_vd_store(y + i, sf_vd_div(e, sf_vd_add(sf_vd_set(1.0), e)));
    }
    sf_fpstate_restore(fp);
}

EXPORT double t_platform(double a, double b, float c)
{
    return a + b + (double)sf_u2f(sf_f2u(c)) + fabs(a);
}
EXPORT int t_cpu_has(int level) { return sf_cpu_has(level); }
EXPORT int t_level_ok(int level, unsigned e1, unsigned b7, unsigned e81, unsigned long long x)
{
    return sf_x86_level_ok(level, e1, b7, e81, x);
}
EXPORT int t_omp(int* p, long long* q)
{
    sf_store_int(p, sf_load_int(p) + 1);
    sf_store_ll(q, sf_load_ll(q) + 1);
    return sf_omp_max_threads() + (int)sf_wtime() + sf_register_atfork(0, 0)
        + sf_omp_release_pool() + sf_omp_num_procs() + sf_omp_thread_limit() + sf_probe_threads(1);
}
EXPORT long double t_longdouble(long double x)
{
    return x * SF_LD_SPLITTER + SF_LD_AMAX + sf_ld_invfact[3] + sf_ld_atanh2[2] + sf_ld_silu_taylor[4];
}
