# Thread-count policy shared by every kernel module (one per SIMD level).
# The kernels cimport this so all levels obey one setting.

cdef int sf_num_threads() noexcept nogil
