/*
 * sf_platform.h -- what the kernels need from the C platform besides the
 * vectors of sf_vec.h: the fast-math guard, MSVC's contraction pragma, the
 * level's name, float32 bit casts for the half-float conversions, the
 * floating-point flag guard of the SIMD loops, and the CPU feature queries
 * of the SIMD loader.  The formulas themselves are written on sf_vec.h's
 * primitives (sigfast/_core/engine32.pxd, engine64.pxd and the families).
 */
#ifndef SF_PLATFORM_H
#define SF_PLATFORM_H

#include <stdint.h>
#include <string.h>
#include <math.h>

/* Build check: fast-math style options (fast math, finite math only, the
 * optimisation level that implies them) would let the compiler drop the
 * NaN/inf handling the kernels rely on. */
#if defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__
#error "sigfast must not be built with fast-math or finite-math-only options"
#endif
#if defined(__FAST_MATH__)
#error "sigfast must not be built with fast-math options"
#endif

/* MSVC: no contraction of a*b + c into an FMA, which would break the
 * error-free transformations.  /fp:precise (meson.build) has meant that
 * since Visual Studio 2022 17.0; before it, fp_contract defaulted to on and
 * /arch:AVX2 let the compiler fuse.  Applies to everything after it in the
 * translation unit: the kernels come after their #includes. */
#if defined(_MSC_VER) && !defined(__clang__)
#pragma fp_contract(off)
#endif

#ifndef SF_LEVEL_NAME
#define SF_LEVEL_NAME "baseline"
#endif

#ifdef _OPENMP
#define SF_OPENMP 1
#else
#define SF_OPENMP 0
#endif

/* Bit casts of float32, for the float16 / bfloat16 conversions of the ufunc
 * loops (sigfast/_core/loops.pxd). */
static inline uint32_t sf_f2u(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static inline float sf_u2f(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

/* ---- floating-point flags around a kernel loop ----
 * The kernels evaluate both sides of every select, so they raise
 * meaningless flags that the ufunc loops must not leave behind (NumPy would
 * turn them into warnings); flags raised before the loop must survive.
 * On x86-64 every float and double operation of the kernels is SSE/AVX, so
 * the flags they raise live in MXCSR alone: reading it (stmxcsr) and writing
 * it back only when the loop changed it (ldmxcsr) costs ~10 ns, where
 * fetestexcept + feclearexcept (+ feraiseexcept) also store and reload the
 * x87 environment: 130-200 ns per call (measured on the CI machine class),
 * a fifth of a whole float32 sigmoid call at n = 1000.  The x87 flags are
 * left untouched (the SIMD kernels never use x87; the long double loops do,
 * and keep <fenv.h>).  Elsewhere (aarch64, MSVC on ARM, ...): <fenv.h>. */
#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
typedef unsigned int sf_fpstate;
static inline sf_fpstate sf_fpstate_save(void) { return _mm_getcsr(); }
static inline void sf_fpstate_restore(sf_fpstate saved)
{
    if (_mm_getcsr() != saved)
        _mm_setcsr(saved);
}
#else
#include <fenv.h>
typedef int sf_fpstate;
static inline sf_fpstate sf_fpstate_save(void) { return fetestexcept(FE_ALL_EXCEPT); }
static inline void sf_fpstate_restore(sf_fpstate saved)
{
    feclearexcept(FE_ALL_EXCEPT);
    if (saved)
        feraiseexcept(saved);
}
#endif

/* ---- CPU features for the SIMD loader (x86-64 only) ----
 * GCC and Clang: __builtin_cpu_supports, which also asks the OS (XGETBV)
 * whether it saves the ymm / zmm state.  MSVC has no such builtin: there
 * sf_cpu_has reads CPUID and XCR0 itself (__cpuidex, _xgetbv) and
 * sf_x86_level_ok decides from the registers, with the same OS checks.
 * sf_x86_level_ok is plain C on every compiler, so the tests can feed it
 * registers (sigfast._openmp._x86_level_ok). */

/* CPUID bits (Intel SDM vol. 2A, CPUID) */
#define SF_CPUID1_ECX_FMA     (1u << 12)
#define SF_CPUID1_ECX_MOVBE   (1u << 22)
#define SF_CPUID1_ECX_OSXSAVE (1u << 27)
#define SF_CPUID1_ECX_AVX     (1u << 28)
#define SF_CPUID1_ECX_F16C    (1u << 29)
#define SF_CPUID7_EBX_BMI1     (1u << 3)
#define SF_CPUID7_EBX_AVX2     (1u << 5)
#define SF_CPUID7_EBX_BMI2     (1u << 8)
#define SF_CPUID7_EBX_AVX512F  (1u << 16)
#define SF_CPUID7_EBX_AVX512DQ (1u << 17)
#define SF_CPUID7_EBX_AVX512CD (1u << 28)
#define SF_CPUID7_EBX_AVX512BW (1u << 30)
#define SF_CPUID7_EBX_AVX512VL (1u << 31)
#define SF_CPUID81_ECX_LZCNT   (1u << 5)
/* XCR0: SSE and AVX state (xmm, upper ymm); opmask, upper zmm0-15, zmm16-31 */
#define SF_XCR0_YMM 0x6u
#define SF_XCR0_ZMM 0xE6u

/* Whether a CPU with these CPUID registers (leaf 1 ecx, leaf 7.0 ebx,
 * leaf 0x80000001 ecx) and XCR0 runs level 1 (x86-64-v3: what /arch:AVX2
 * and -march=x86-64-v3 may emit) or level 2 (x86-64-v4).  xcr0 is only
 * read when OSXSAVE says XGETBV exists (the caller passes 0 otherwise). */
static inline int sf_x86_level_ok(int level, uint32_t ecx1, uint32_t ebx7, uint32_t ecx81,
                                  uint64_t xcr0)
{
    const uint32_t v3_ecx1 = SF_CPUID1_ECX_FMA | SF_CPUID1_ECX_MOVBE | SF_CPUID1_ECX_OSXSAVE
                             | SF_CPUID1_ECX_AVX | SF_CPUID1_ECX_F16C;
    const uint32_t v3_ebx7 = SF_CPUID7_EBX_BMI1 | SF_CPUID7_EBX_AVX2 | SF_CPUID7_EBX_BMI2;
    const uint32_t v4_ebx7 = SF_CPUID7_EBX_AVX512F | SF_CPUID7_EBX_AVX512DQ | SF_CPUID7_EBX_AVX512CD
                             | SF_CPUID7_EBX_AVX512BW | SF_CPUID7_EBX_AVX512VL;
    int v3 = (ecx1 & v3_ecx1) == v3_ecx1 && (ebx7 & v3_ebx7) == v3_ebx7
             && (ecx81 & SF_CPUID81_ECX_LZCNT) && (xcr0 & SF_XCR0_YMM) == SF_XCR0_YMM;
    if (level == 1)
        return v3;
    if (level == 2)
        return v3 && (ebx7 & v4_ebx7) == v4_ebx7 && (xcr0 & SF_XCR0_ZMM) == SF_XCR0_ZMM;
    return level == 0;
}

#if defined(_MSC_VER) && !defined(__GNUC__) && defined(_M_X64) && !defined(_M_ARM64EC)
#define SF_X86_CPUID_MSVC 1
#include <intrin.h>
/* clang-cl only lets XGETBV be used where the xsave feature is on */
#if defined(__clang__)
__attribute__((target("xsave")))
#endif
static inline uint64_t sf_xcr0(void) { return _xgetbv(0); }
#endif

static inline int sf_cpu_has(int level)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (level == 1)  /* x86-64-v3 */
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
            && __builtin_cpu_supports("bmi2");
    if (level == 2)  /* x86-64-v4 */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512cd") && sf_cpu_has(1);
    return level == 0;
#elif defined(SF_X86_CPUID_MSVC)
    int r1[4] = {0}, r7[4] = {0}, r81[4] = {0}, r0[4], r80[4];
    uint64_t xcr0 = 0;
    __cpuidex(r0, 0, 0);
    __cpuidex(r80, (int)0x80000000, 0);
    if (r0[0] >= 1)
        __cpuidex(r1, 1, 0);
    if (r0[0] >= 7)
        __cpuidex(r7, 7, 0);
    if ((uint32_t)r80[0] >= 0x80000001u)
        __cpuidex(r81, (int)0x80000001, 0);
    if ((uint32_t)r1[2] & SF_CPUID1_ECX_OSXSAVE)
        xcr0 = sf_xcr0();
    return sf_x86_level_ok(level, (uint32_t)r1[2], (uint32_t)r7[1], (uint32_t)r81[2], xcr0);
#else
    return level == 0;
#endif
}

#endif /* SF_PLATFORM_H */
