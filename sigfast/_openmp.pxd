# Thread-count policy shared by every kernel module (one per SIMD level).
# The kernels cimport this so all levels obey one setting.

cdef int sf_num_threads() noexcept nogil
# Called by a kernel just before it starts an OpenMP parallel region of nt > 1
# threads: records that a sigfast region ran (the fork fallback) and returns
# the team size to use, smaller than nt when the OS cannot create the
# threads (1: run serially).
cdef int sf_team_start(int nt) noexcept nogil
# Load awareness (see _openmp.pyx): whether a team may start now, and the
# report of one parallel call's timing (start, the master's last chunk done,
# end after the join), from which a late team thread is detected.
cdef int sf_team_allowed() noexcept nogil
cdef void sf_team_report(double start, double master_done, double end, double share) noexcept nogil
cdef double sf_wtime() noexcept nogil
