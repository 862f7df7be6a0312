# Thread-count policy shared by every kernel module (one per SIMD level).
# The kernels cimport this so all levels obey one setting.

cdef int sf_num_threads() noexcept nogil
# Called by a kernel just before it starts an OpenMP parallel region with
# more than one thread: fork children of this process then stay serial.
cdef void sf_parallel_started() noexcept nogil
