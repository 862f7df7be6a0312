/* OpenMP queries that also compile (to serial answers) without OpenMP. */
#ifndef SF_OMP_H
#define SF_OMP_H
#include <limits.h>
#ifdef _OPENMP
#include <omp.h>
static inline int sf_omp_max_threads(void) { return omp_get_max_threads(); }
static inline double sf_wtime(void) { return omp_get_wtime(); }
/* The CPUs in the process's affinity mask as the runtime saw it when it
 * loaded, before OMP_PROC_BIND / OMP_PLACES / GOMP_CPU_AFFINITY pinned the
 * initial thread to one place (libgomp counts them at load). */
static inline int sf_omp_num_procs(void) { return omp_get_num_procs(); }
/* OMP_THREAD_LIMIT: no team is ever larger. */
static inline int sf_omp_thread_limit(void)
{
#if _OPENMP >= 200805
    return omp_get_thread_limit();
#else
    return INT_MAX;           /* MSVC's OpenMP 2.0 has no thread limit */
#endif
}
#else
static inline int sf_omp_max_threads(void) { return 1; }
static inline double sf_wtime(void) { return 0.0; }
static inline int sf_omp_num_procs(void) { return 1; }
static inline int sf_omp_thread_limit(void) { return INT_MAX; }
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

/* Free the calling thread's OpenMP thread pool (its worker threads exit and
 * are joined; the next parallel region starts a new pool).
 *
 * Why: libgomp's pool does not survive fork().  A child forked while the
 * forking thread owns a pool inherits the pool's bookkeeping but none of its
 * threads, and its first parallel region waits for them forever.  One
 * libgomp serves every library in the process that was linked against it
 * (PyTorch's bundled copy has the same soname; numba's omp layer uses it),
 * so the pool may have been started by any of them, not only by sigfast.
 * omp_pause_resource_all(omp_pause_hard) (OpenMP 5.0, libgomp >= 9, LLVM
 * libomp >= 8) tears it down cleanly in the parent just before fork.
 *
 * Returns 1 when the calling thread has no pool now, -1 when it cannot be
 * freed (called inside a parallel region: the forking thread is a team
 * member), 0 where the runtime has no pause (MSVC's OpenMP 2.0, a build
 * without OpenMP, Windows: no fork there). */
static inline int sf_omp_release_pool(void)
{
#if defined(_OPENMP) && !defined(_WIN32) && (_OPENMP >= 201811 || defined(__GNUC__) || defined(__clang__))
    return omp_pause_resource_all(omp_pause_hard) == 0 ? 1 : -1;
#else
    return 0;
#endif
}

/* How many of k more threads the OS lets this process create at once:
 * creates them (default attributes, as libgomp does unless OMP_STACKSIZE is
 * set), then joins them.  Why: libgomp ends the process ("Thread creation
 * failed", exit 1) when it cannot create a team thread, for example under an
 * address-space limit (RLIMIT_AS) too small for another 8 MiB stack, or a
 * pids limit; a probe that fails lets the caller run serially instead. */
#if defined(_WIN32)
static inline int sf_probe_threads(int k) { return k; }
#else
#include <pthread.h>
#include <stdlib.h>
static void *sf_probe_thread_main(void *arg) { return arg; }
static inline int sf_probe_threads(int k)
{
    int made = 0, i;
    pthread_t *t;
    if (k <= 0)
        return 0;
    t = (pthread_t *)malloc((size_t)k * sizeof(pthread_t));
    if (t == NULL)
        return 0;
    while (made < k && pthread_create(&t[made], NULL, sf_probe_thread_main, NULL) == 0)
        made++;
    for (i = 0; i < made; i++)
        pthread_join(t[i], NULL);
    free(t);
    return made;
}
#endif

/* Run `prepare` in the parent just before fork() and `child` in the child
 * just after; a no-op where there is no fork (Windows). */
#if defined(_WIN32)
static inline int sf_register_atfork(void (*prepare)(void), void (*child)(void))
{
    (void)prepare; (void)child;
    return 0;
}
#else
#include <pthread.h>
static inline int sf_register_atfork(void (*prepare)(void), void (*child)(void))
{
    return pthread_atfork(prepare, NULL, child);
}
#endif
#endif
