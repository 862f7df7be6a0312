# Layer 4: the ufunc inner loops around the contiguous kernels, and the
# thread plan shared with the fused loss.
#
# A ufunc's per-dtype ``data`` pointer holds the contiguous kernel
# k(x, y, n) of that function and dtype (generated in sigfast/_ufuncs.pyx.tp).
# One generic loop per arity calls it directly for contiguous data (split
# across OpenMP threads above PAR_MIN elements) and, for any other strides,
# gathers blocks of BLOCK elements into stack buffers and calls the *same*
# kernel, so strided and contiguous results are bit-identical by
# construction.  Element-wise work on disjoint blocks is bit-identical for
# any thread count.

from cython.parallel cimport prange, threadid
from numpy cimport npy_intp
from sigfast._openmp cimport (
    sf_num_threads, sf_team_start, sf_team_allowed, sf_team_report, sf_wtime)
from sigfast._core.platform cimport (
    FE_ALL_EXCEPT, fetestexcept, feclearexcept, feraiseexcept,
    sf_fpstate, sf_fpstate_save, sf_fpstate_restore,
    npy_half, npy_half_to_float, npy_float_to_half, sf_f2u, sf_u2f)

ctypedef void (*ukern_t)(const char*, char*, Py_ssize_t) noexcept nogil
ctypedef void (*bkern_t)(const char*, const char*, char*, Py_ssize_t) noexcept nogil

# Contiguous calls shorter than PAR_MIN elements stay on the calling thread:
# below it the OpenMP fork/join (a few microseconds) costs more than the
# second core saves.  Each thread then gets at least PAR_MIN // 2 elements.
# Under load (another process holding a core) the team shrinks to one for a
# while: see "Load awareness" in sigfast/_openmp.pyx.
cdef enum:
    PAR_MIN = 32768
# Strided data is processed in blocks of BLOCK elements through stack
# buffers (3 * 4 KiB for the binary loop).
cdef enum:
    BLOCK = 512


cdef inline int plan_threads(Py_ssize_t n) noexcept nogil:
    cdef int nt
    if n < PAR_MIN:
        return 1
    nt = sf_num_threads()
    if nt > 1 and n // nt < PAR_MIN // 2:
        nt = <int>(n // (PAR_MIN // 2))
    if nt > 1 and not sf_team_allowed():      # a team thread was late just now
        return 1
    return nt if nt > 1 else 1


cdef inline Py_ssize_t plan_chunk(Py_ssize_t n, int nt) noexcept nogil:
    # Dynamic chunks of about 1/8 of a thread's share (multiples of 64
    # elements, at least PAR_MIN // 2): a thread the OS does not schedule
    # leaves its chunks to the others instead of holding up the join.
    cdef Py_ssize_t c = n // (8 * nt)
    c = PAR_MIN // 2 if c < PAR_MIN // 2 else c
    return (c + 63) & ~(<Py_ssize_t>63)


cdef inline bint partial_overlap(const char* a, const char* y, Py_ssize_t nbytes) noexcept nogil:
    # NumPy does not copy an input that overlaps the output when a sequential
    # element loop is safe (e.g. out=a[:-1] for input a[1:]); split across
    # threads it is not, so such calls stay on one thread.  Exact aliasing
    # (in place) is safe in any order.
    return a != y and a < y + nbytes and y < a + nbytes


cdef inline void run_unary(ukern_t kern, const char* x, char* y, Py_ssize_t n,
                           Py_ssize_t isz) noexcept nogil:
    cdef int nt = plan_threads(n)
    cdef Py_ssize_t chunk, t, start, cnt
    cdef double t0, done
    cdef double* pdone
    cdef Py_ssize_t nmaster = 0, nchunks
    cdef Py_ssize_t* pnm = &nmaster
    if nt > 1 and partial_overlap(x, y, n * isz):
        nt = 1
    if nt > 1:
        nt = sf_team_start(nt)
    if nt <= 1:
        kern(x, y, n)
        return
    # Chunks are multiples of 64 elements, so every chunk but the last
    # starts on a cache line when the array does.  The master's finishing
    # time goes through a pointer (a name assigned in prange would be made
    # thread-private).
    chunk = plan_chunk(n, nt)
    nchunks = (n + chunk - 1) // chunk
    t0 = sf_wtime()
    done = t0
    pdone = &done
    for t in prange(nchunks, nogil=True, num_threads=nt, schedule='dynamic'):
        start = t * chunk
        cnt = chunk if n - start > chunk else n - start
        kern(x + start * isz, y + start * isz, cnt)
        if threadid() == 0:
            pdone[0] = sf_wtime()
            pnm[0] += 1
    sf_team_report(t0, done, sf_wtime(), nmaster / <double>nchunks)


cdef inline void run_binary(bkern_t kern, const char* a, const char* b, char* y,
                            Py_ssize_t n, Py_ssize_t isz) noexcept nogil:
    cdef int nt = plan_threads(n)
    cdef Py_ssize_t chunk, t, start, cnt
    cdef double t0, done
    cdef double* pdone
    cdef Py_ssize_t nmaster = 0, nchunks
    cdef Py_ssize_t* pnm = &nmaster
    if nt > 1 and (partial_overlap(a, y, n * isz) or partial_overlap(b, y, n * isz)):
        nt = 1
    if nt > 1:
        nt = sf_team_start(nt)
    if nt <= 1:
        kern(a, b, y, n)
        return
    chunk = plan_chunk(n, nt)
    nchunks = (n + chunk - 1) // chunk
    t0 = sf_wtime()
    done = t0
    pdone = &done
    for t in prange(nchunks, nogil=True, num_threads=nt, schedule='dynamic'):
        start = t * chunk
        cnt = chunk if n - start > chunk else n - start
        kern(a + start * isz, b + start * isz, y + start * isz, cnt)
        if threadid() == 0:
            pdone[0] = sf_wtime()
            pnm[0] += 1
    sf_team_report(t0, done, sf_wtime(), nmaster / <double>nchunks)


# The element formats of the float loops.  The narrow ones (float16,
# bfloat16) have no kernels of their own: every path widens them exactly to
# float32 in the block buffers, runs the float32 kernel and rounds once
# back, so they share every other part of the loops (the overlap guard of
# reduce/accumulate included) with float32 and float64.
cdef enum:
    E_F16 = 0
    E_BF16 = 1
    E_F32 = 2
    E_F64 = 3


cdef inline Py_ssize_t esize(int fmt) noexcept nogil:
    return 2 if fmt <= E_BF16 else (4 if fmt == E_F32 else 8)


cdef inline float bf16_to_float(unsigned short h) noexcept nogil:
    # bfloat16 is the top half of a float32
    return sf_u2f((<unsigned int>h) << 16)


cdef inline unsigned short float_to_bf16(float f) noexcept nogil:
    # Round to nearest, ties to even, on the bit pattern (the carry into the
    # exponent gives the next binade or inf, as it should); a NaN keeps its
    # sign and top payload bits and is made quiet, so it cannot turn into inf.
    cdef unsigned int u = sf_f2u(f)
    if (u & 0x7FFFFFFFu) > 0x7F800000u:
        return <unsigned short>((u >> 16) | 0x0040u)
    return <unsigned short>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16)


cdef inline void gather(char* dst, const char* src, npy_intp step, Py_ssize_t m,
                        int fmt) noexcept nogil:
    # float16 and bfloat16 in, float32 in the buffer (exact widening).
    cdef Py_ssize_t j
    if fmt == E_F16:
        for j in range(m):
            (<float*>dst)[j] = npy_half_to_float((<const npy_half*>(src + j * step))[0])
    elif fmt == E_BF16:
        for j in range(m):
            (<float*>dst)[j] = bf16_to_float((<const unsigned short*>(src + j * step))[0])
    elif fmt == E_F32:
        for j in range(m):
            (<float*>dst)[j] = (<const float*>(src + j * step))[0]
    else:
        for j in range(m):
            (<double*>dst)[j] = (<const double*>(src + j * step))[0]


cdef inline void scatter(char* dst, npy_intp step, const char* src, Py_ssize_t m,
                         int fmt) noexcept nogil:
    # float16 and bfloat16: the float32 result is rounded once.
    cdef Py_ssize_t j
    if fmt == E_F16:
        for j in range(m):
            (<npy_half*>(dst + j * step))[0] = npy_float_to_half((<const float*>src)[j])
    elif fmt == E_BF16:
        for j in range(m):
            (<unsigned short*>(dst + j * step))[0] = float_to_bf16((<const float*>src)[j])
    elif fmt == E_F32:
        for j in range(m):
            (<float*>(dst + j * step))[0] = (<const float*>src)[j]
    else:
        for j in range(m):
            (<double*>(dst + j * step))[0] = (<const double*>src)[j]


cdef inline void restore_fpflags(int flags) noexcept nogil:
    # The kernels evaluate both sides of every select, so intermediate
    # overflow/invalid flags are normal and meaningless; NumPy would turn them
    # into RuntimeWarnings.  Put the calling thread's flags back as they were
    # (flags raised before this loop, e.g. by NumPy's casts, survive).
    # <fenv.h> version, for code that may use x87 (long double) and for the
    # loss layer; the float loops use the cheaper sf_fpstate guard
    # (sf_platform.h), which does the same for the flags SSE/AVX code raises.
    feclearexcept(FE_ALL_EXCEPT)
    if flags:
        feraiseexcept(flags)


cdef inline void restore_float_flags(sf_fpstate state, int flags, int fmt) noexcept nogil:
    # The float loops' guard: MXCSR (sf_fpstate, ~10 ns) for float32/float64
    # and bfloat16 (rounded by integer arithmetic on the bit pattern);
    # float16 rounds through NumPy's npy_float_to_half, which raises its
    # flags with feraiseexcept (on x86-64 possibly into the x87 status word),
    # so the float16 loop keeps the <fenv.h> guard (flags saved by
    # fetestexcept).
    if fmt == E_F16:
        restore_fpflags(flags)
    else:
        sf_fpstate_restore(state)


cdef inline void unary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                            ukern_t kern, int fmt) noexcept nogil:
    # fmt: E_F16 / E_BF16 (run through the float32 kernel), E_F32 or E_F64.
    cdef Py_ssize_t n = dims[0], off, m, isz = esize(fmt)
    cdef double bx[BLOCK]
    cdef double by[BLOCK]
    cdef sf_fpstate state = sf_fpstate_save()
    cdef int flags = fetestexcept(FE_ALL_EXCEPT) if fmt == E_F16 else 0
    if fmt >= E_F32 and steps[0] == isz and steps[1] == isz:
        run_unary(kern, args[0], args[1], n, isz)
    else:
        off = 0
        while off < n:
            m = BLOCK if n - off > BLOCK else n - off
            gather(<char*>bx, args[0] + off * steps[0], steps[0], m, fmt)
            kern(<const char*>bx, <char*>by, m)
            scatter(args[1] + off * steps[1], steps[1], <const char*>by, m, fmt)
            off += m
    restore_float_flags(state, flags, fmt)


cdef inline bint span_overlap(const char* p, npy_intp step, const char* y, npy_intp ystep,
                              Py_ssize_t n, Py_ssize_t isz) noexcept nogil:
    # Whether the n elements at p (step) and at y (ystep) share a byte, other
    # than as the very same distinct elements (p == y, one step of at least
    # an element: element i is read and then written in place, safe in any
    # order).  A step of 0 is reduce's accumulator: one element for all i.
    cdef const char* plo
    cdef const char* ylo
    if n <= 1 or (p == y and step == ystep and (step >= isz or step <= -isz)):
        return False
    plo = p if step >= 0 else p + (n - 1) * step
    ylo = y if ystep >= 0 else y + (n - 1) * ystep
    return (plo < ylo + (n - 1) * (ystep if ystep >= 0 else -ystep) + isz
            and ylo < plo + (n - 1) * (step if step >= 0 else -step) + isz)


cdef inline void binary_sequential(char** args, const npy_intp* steps, Py_ssize_t n,
                                   bkern_t kern, int fmt) noexcept nogil:
    # One element at a time, each result stored before the next element is
    # read: the semantics NumPy's reduce/accumulate rely on when they alias
    # the output with input 0 (the accumulator).  The same kernel with m = 1,
    # so every value is bit-identical to the block path's.
    cdef double ba[1]
    cdef double bb[1]
    cdef double by[1]
    cdef Py_ssize_t i
    for i in range(n):
        gather(<char*>ba, args[0] + i * steps[0], steps[0], 1, fmt)
        gather(<char*>bb, args[1] + i * steps[1], steps[1], 1, fmt)
        kern(<const char*>ba, <const char*>bb, <char*>by, 1)
        scatter(args[2] + i * steps[2], steps[2], <const char*>by, 1, fmt)


cdef inline void binary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                             bkern_t kern, int fmt) noexcept nogil:
    cdef Py_ssize_t n = dims[0], off, m, isz = esize(fmt)
    cdef double ba[BLOCK]
    cdef double bb[BLOCK]
    cdef double by[BLOCK]
    cdef sf_fpstate state = sf_fpstate_save()
    cdef int flags = fetestexcept(FE_ALL_EXCEPT) if fmt == E_F16 else 0
    # An input overlapping the output other than exactly (reduce, accumulate,
    # reduceat; out= a shifted view NumPy did not copy): blocks and threads
    # would read values before the loop has written them.
    if (span_overlap(args[0], steps[0], args[2], steps[2], n, isz)
            or span_overlap(args[1], steps[1], args[2], steps[2], n, isz)):
        binary_sequential(args, steps, n, kern, fmt)
    elif fmt >= E_F32 and steps[0] == isz and steps[1] == isz and steps[2] == isz:
        run_binary(kern, args[0], args[1], args[2], n, isz)
    elif fmt >= E_F32 and steps[1] == 0 and steps[0] == isz and steps[2] == isz:
        # A scalar second operand (logit_eps's eps, a broadcast target):
        # one block of it, the contiguous operands straight to the kernel
        # (no gather/scatter: 3.4x faster for float32 logit_eps at 1e5).
        gather(<char*>bb, args[1], 0, BLOCK, fmt)
        off = 0
        while off < n:
            m = BLOCK if n - off > BLOCK else n - off
            kern(args[0] + off * isz, <const char*>bb, args[2] + off * isz, m)
            off += m
    else:
        off = 0
        while off < n:
            m = BLOCK if n - off > BLOCK else n - off
            gather(<char*>ba, args[0] + off * steps[0], steps[0], m, fmt)
            gather(<char*>bb, args[1] + off * steps[1], steps[1], m, fmt)
            kern(<const char*>ba, <const char*>bb, <char*>by, m)
            scatter(args[2] + off * steps[2], steps[2], <const char*>by, m, fmt)
            off += m
    restore_float_flags(state, flags, fmt)


# ---------------------------------------------------------------------------
# long double: scalar loops over the `<name>_ld` formulas (longdouble.pxd).
# The ufunc's data pointer holds the formula itself; no threads, no blocks:
# this path is for correctness, not speed.
# ---------------------------------------------------------------------------

ctypedef long double (*ldu_t)(long double) noexcept nogil
ctypedef long double (*ldb_t)(long double, long double) noexcept nogil


cdef inline void ld_unary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                               ldu_t f) noexcept nogil:
    cdef Py_ssize_t i
    cdef int flags = fetestexcept(FE_ALL_EXCEPT)
    for i in range(dims[0]):
        (<long double*>(args[1] + i * steps[1]))[0] = f(
            (<const long double*>(args[0] + i * steps[0]))[0])
    restore_fpflags(flags)


cdef inline void ld_binary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                                ldb_t f) noexcept nogil:
    cdef Py_ssize_t i
    cdef int flags = fetestexcept(FE_ALL_EXCEPT)
    for i in range(dims[0]):
        (<long double*>(args[2] + i * steps[2]))[0] = f(
            (<const long double*>(args[0] + i * steps[0]))[0],
            (<const long double*>(args[1] + i * steps[1]))[0])
    restore_fpflags(flags)


# ---------------------------------------------------------------------------
# Integer and bool inputs of the SciPy-named ufuncs (expit, log_expit,
# logit): widened to float64 in blocks and run through the float64 kernel,
# so the result is float64 as in scipy.special (NumPy's own resolution would
# pick the float16 or float32 loop for the narrow types, as np.exp does).
# ---------------------------------------------------------------------------

cdef enum:
    INT_BOOL = 0
    INT_I8 = 1
    INT_U8 = 2
    INT_I16 = 3
    INT_U16 = 4


cdef inline void int_gather(double* dst, const char* src, npy_intp step, Py_ssize_t m,
                            int code) noexcept nogil:
    cdef Py_ssize_t j
    if code == INT_BOOL:
        # any non-zero byte is True, as NumPy's bool -> double cast
        for j in range(m):
            dst[j] = 1.0 if (<const unsigned char*>(src + j * step))[0] else 0.0
    elif code == INT_I8:
        for j in range(m):
            dst[j] = (<const signed char*>(src + j * step))[0]
    elif code == INT_U8:
        for j in range(m):
            dst[j] = (<const unsigned char*>(src + j * step))[0]
    elif code == INT_I16:
        for j in range(m):
            dst[j] = (<const short*>(src + j * step))[0]
    else:
        for j in range(m):
            dst[j] = (<const unsigned short*>(src + j * step))[0]


cdef inline void int_unary_loop(char** args, const npy_intp* dims, const npy_intp* steps,
                                ukern_t kern, int code) noexcept nogil:
    cdef Py_ssize_t n = dims[0], off = 0, m
    cdef double bx[BLOCK]
    cdef double by[BLOCK]
    cdef sf_fpstate state = sf_fpstate_save()
    while off < n:
        m = BLOCK if n - off > BLOCK else n - off
        int_gather(bx, args[0] + off * steps[0], steps[0], m, code)
        kern(<const char*>bx, <char*>by, m)
        scatter(args[1] + off * steps[1], steps[1], <const char*>by, m, E_F64)
        off += m
    sf_fpstate_restore(state)
