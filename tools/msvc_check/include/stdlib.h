/* Stand-in for the UCRT's <stdlib.h> (clang's <mm_malloc.h> includes it). */
#ifndef SF_STUB_STDLIB_H
#define SF_STUB_STDLIB_H
#include <stddef.h>
void* __cdecl malloc(size_t n);
void __cdecl free(void* p);
#endif
