/* Stand-in for the UCRT's <string.h> in tools/msvc_check.py (the Windows
 * SDK is not installed here): only what sigfast's headers use. */
#ifndef SF_STUB_STRING_H
#define SF_STUB_STRING_H
#include <stddef.h>
void* __cdecl memcpy(void* dst, const void* src, size_t n);
void* __cdecl memset(void* dst, int c, size_t n);
#endif
