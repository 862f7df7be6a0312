/* Stand-in for the UCRT's <math.h> in tools/msvc_check.py: only what
 * sigfast's headers and kernels use. */
#ifndef SF_STUB_MATH_H
#define SF_STUB_MATH_H
double __cdecl fma(double x, double y, double z);
float __cdecl fmaf(float x, float y, float z);
double __cdecl fabs(double x);
double __cdecl nearbyint(double x);
double __cdecl ldexp(double x, int e);
long double __cdecl fabsl(long double x);
long double __cdecl ldexpl(long double x, int e);
long double __cdecl frexpl(long double x, int* e);
#define INFINITY ((float)(1e300 * 1e300))
#define NAN (-(float)(INFINITY * 0.0F))
#endif
