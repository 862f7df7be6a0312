/* OpenMP queries that also compile (to serial answers) without OpenMP. */
#ifndef SF_OMP_H
#define SF_OMP_H
#ifdef _OPENMP
#include <omp.h>
static inline int sf_omp_max_threads(void) { return omp_get_max_threads(); }
static inline double sf_wtime(void) { return omp_get_wtime(); }
#else
static inline int sf_omp_max_threads(void) { return 1; }
static inline double sf_wtime(void) { return 0.0; }
#endif

/* Relaxed atomic int access for the thread-count settings: readers (every
 * kernel call, possibly without the GIL on free-threaded Python) see either
 * the old or the new value, without a C11 data race. */
#if defined(__GNUC__) || defined(__clang__)
static inline int sf_load_int(const int *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void sf_store_int(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline long long sf_load_ll(const long long *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void sf_store_ll(long long *p, long long v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
#else
static inline int sf_load_int(const volatile int *p) { return *p; }
static inline void sf_store_int(volatile int *p, int v) { *p = v; }
static inline long long sf_load_ll(const volatile long long *p) { return *p; }
static inline void sf_store_ll(volatile long long *p, long long v) { *p = v; }
#endif

/* Run `child` in the child process after fork(); a no-op where there is no
 * fork (Windows). */
#if defined(_WIN32)
static inline int sf_register_atfork_child(void (*child)(void)) { (void)child; return 0; }
#else
#include <pthread.h>
static inline int sf_register_atfork_child(void (*child)(void))
{
    return pthread_atfork(NULL, NULL, child);
}
#endif
#endif
