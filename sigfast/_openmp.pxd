# Thread-count policy shared by every kernel module (one per SIMD level).
# The kernels cimport this so all levels obey one setting.

cdef int sf_num_threads() noexcept nogil
# Called by a kernel just before it starts an OpenMP parallel region with
# more than one thread: fork children of this process then stay serial.
cdef void sf_parallel_started() noexcept nogil
# Load awareness (see _openmp.pyx): whether a team may start now, and the
# report of one parallel call's timing (start, the master's last chunk done,
# end after the join), from which a late team thread is detected.
cdef int sf_team_allowed() noexcept nogil
cdef void sf_team_report(double start, double master_done, double end, double share) noexcept nogil
cdef double sf_wtime() noexcept nogil
