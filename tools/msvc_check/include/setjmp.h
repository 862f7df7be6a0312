/* Stand-in for the UCRT's <setjmp.h> (clang's <intrin.h> includes it). */
#ifndef SF_STUB_SETJMP_H
#define SF_STUB_SETJMP_H
typedef struct { unsigned __int64 part[2]; } _JBTYPE_STUB;
typedef _JBTYPE_STUB jmp_buf[16];
#endif
