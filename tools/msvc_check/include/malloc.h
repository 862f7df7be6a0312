/* Stand-in for the UCRT's <malloc.h> (clang's <mm_malloc.h> includes it). */
#ifndef SF_STUB_MALLOC_H
#define SF_STUB_MALLOC_H
#include <stddef.h>
void* __cdecl _aligned_malloc(size_t n, size_t align);
void __cdecl _aligned_free(void* p);
#endif
