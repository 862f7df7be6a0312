/* Stand-in for the UCRT's <fenv.h>: sf_platform.h uses it off x86-64 only. */
#ifndef SF_STUB_FENV_H
#define SF_STUB_FENV_H
#define FE_ALL_EXCEPT 0x1f
int __cdecl fetestexcept(int e);
int __cdecl feclearexcept(int e);
int __cdecl feraiseexcept(int e);
#endif
