/*
 * sf_vec_select.h -- which single-register backend sf_vec.h builds on: sets
 * one of SF_VEC_AVX512 / SF_VEC_AVX2 / SF_VEC_SSE / SF_VEC_NEON /
 * SF_VEC_SCALAR and SF_VEC_NAME from the compiler's predefined macros only
 * (no system header), so tools/msvc_check/ can preprocess it with exactly
 * the macros each compiler and flag defines (tests/test_msvc_check.py).
 *
 * GCC and Clang (clang-cl included) describe the target by feature macros
 * (__SSE4_2__, __FMA__, ...), set by -march and friends.  MSVC defines
 * none of those below AVX: x64 code may always use the SSE4.1/4.2
 * intrinsics (the baseline level assumes an x86-64-v2 CPU on every
 * compiler, as NumPy's does), and /arch:AVX2 defines __AVX2__ but never
 * __FMA__, although it lets the compiler emit FMA (and so do the FMA
 * intrinsics, whatever the flags).  Hence SF_VEC_MSVC_X64.  ARM64EC
 * defines _M_X64 too but emulates x64 intrinsics: not taken.  clang-cl
 * is left to its feature macros: its intrinsics need the target feature
 * enabled, which is what the macros say.
 */
#ifndef SF_VEC_SELECT_H
#define SF_VEC_SELECT_H

#if defined(_MSC_VER) && !defined(__clang__) && defined(_M_X64) && !defined(_M_ARM64EC)
#  define SF_VEC_MSVC_X64 1
#else
#  define SF_VEC_MSVC_X64 0
#endif

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#  define SF_VEC_AVX512 1
#  define SF_VEC_NAME "avx512"
#elif defined(__AVX2__) && (defined(__FMA__) || SF_VEC_MSVC_X64)
#  define SF_VEC_AVX2 1
#  define SF_VEC_NAME "avx2"
#elif defined(__SSE4_2__) || SF_VEC_MSVC_X64
#  define SF_VEC_SSE 1
#  define SF_VEC_NAME "sse4.2"
#elif (defined(__aarch64__) || defined(_M_ARM64)) && (defined(__GNUC__) || defined(__clang__)) \
      && !defined(__AARCH64EB__)
/* GCC or Clang (the header has only been compiled and tested with them;
 * MSVC on arm64 keeps the portable path); little-endian (the table
 * lookups build byte indices) */
#  define SF_VEC_NEON 1
#  define SF_VEC_NAME "neon"
#else
#  define SF_VEC_SCALAR 1
#  define SF_VEC_NAME "portable"
#endif

#endif /* SF_VEC_SELECT_H */
