/* OpenMP queries that also compile (to serial answers) without OpenMP. */
#ifndef SF_OMP_H
#define SF_OMP_H
#ifdef _OPENMP
#include <omp.h>
static inline int sf_omp_max_threads(void) { return omp_get_max_threads(); }
static inline int sf_omp_num_procs(void) { return omp_get_num_procs(); }
#else
static inline int sf_omp_max_threads(void) { return 1; }
static inline int sf_omp_num_procs(void) { return 1; }
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
