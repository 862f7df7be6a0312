/*
 * Forced first (-include) by tools/msvc_check.py in "msvc" mode: turns
 * clang --target=x86_64-pc-windows-msvc into as close a stand-in for cl.exe
 * as the preprocessor allows.  cl.exe's <immintrin.h> declares every
 * intrinsic whatever /arch says; clang's (in MSVC mode) only those whose
 * feature macro is defined, so the intrinsics are declared first, with
 * clang's -m flags on, and then the macros cl.exe never defines are
 * removed: __clang__ (so sigfast's headers take their MSVC branches), the
 * GNU-style __x86_64__, and every feature macro below AVX (cl.exe defines
 * __AVX__, __AVX2__ and __AVX512F/CD/BW/DQ/VL__ for /arch, nothing for
 * SSE4.2, FMA or BMI).  tools/msvc_check.py checks that no other feature
 * macro is left.
 */
#include <immintrin.h>
#include <intrin.h>
#undef __clang__
#undef __clang_major__
#undef __clang_minor__
#undef __clang_patchlevel__
#undef __clang_version__
#undef __GNUC__
#undef __x86_64__
#undef __x86_64
#undef __amd64__
#undef __amd64
#undef __MMX__
#undef __SSE__
#undef __SSE2__
#undef __SSE3__
#undef __SSSE3__
#undef __SSE4_1__
#undef __SSE4_2__
#undef __SSE_MATH__
#undef __SSE2_MATH__
#undef __POPCNT__
#undef __FMA__
#undef __F16C__
#undef __BMI__
#undef __BMI2__
#undef __LZCNT__
#undef __MOVBE__
#undef __XSAVE__
#undef __FXSR__
#undef __CRC32__
#undef __PRFCHW__
