# Layer 0b: the vector primitives of sigfast/src/sf_vec.h, as Cython sees
# them.  sf_vf / sf_vd are float / double vectors (two registers on the x86
# levels, one C scalar on the portable level), sf_vfi / sf_vdi their
# integer lanes, sf_vfm / sf_vdm comparison masks, sf_*_tab16 a 16-entry
# table held in registers.  The formulas in the engine and family files are
# written once against these names; what each level compiles them to is in
# the header.  Semantics the formulas rely on (NaN through clamps, fma
# rounded once, ...) are listed at the top of the header.

cdef extern from "sf_vec.h" nogil:
    const char* SF_VEC_NAME
    enum: SF_VF_LANES
    enum: SF_VD_LANES
    ctypedef struct sf_vf:
        pass
    ctypedef struct sf_vfi:
        pass
    ctypedef struct sf_vfm:
        pass
    ctypedef struct sf_vf_tab16:
        pass
    ctypedef struct sf_vd:
        pass
    ctypedef struct sf_vdi:
        pass
    ctypedef struct sf_vdm:
        pass
    ctypedef struct sf_vd_tab16:
        pass

    sf_vf sf_vf_load(const float* p)
    void sf_vf_store(float* p, sf_vf a)
    sf_vf sf_vf_set(float a)
    sf_vf sf_vf_add(sf_vf a, sf_vf b)
    sf_vf sf_vf_sub(sf_vf a, sf_vf b)
    sf_vf sf_vf_mul(sf_vf a, sf_vf b)
    sf_vf sf_vf_div(sf_vf a, sf_vf b)
    sf_vf sf_vf_min(sf_vf a, sf_vf b)
    sf_vf sf_vf_max(sf_vf a, sf_vf b)
    sf_vf sf_vf_fma(sf_vf a, sf_vf b, sf_vf c)  # a*b + c, one rounding
    sf_vf sf_vf_mad(sf_vf a, sf_vf b, sf_vf c)  # a*b + c, fused or not
    sf_vf sf_vf_nmad(sf_vf a, sf_vf b, sf_vf c)  # c - a*b, fused or not
    sf_vf sf_vf_fms(sf_vf a, sf_vf b, sf_vf c)  # a*b - c, one rounding
    sf_vf sf_vf_fnma(sf_vf a, sf_vf b, sf_vf c)  # c - a*b, one rounding
    sf_vfm sf_vf_lt(sf_vf a, sf_vf b)
    sf_vfm sf_vf_eq(sf_vf a, sf_vf b)
    sf_vfm sf_vf_ne(sf_vf a, sf_vf b)
    sf_vfm sf_vf_nge(sf_vf a, sf_vf b)  # not (a >= b): a < b or a NaN operand
    sf_vfm sf_vfm_or(sf_vfm a, sf_vfm b)
    sf_vfm sf_vfm_and(sf_vfm a, sf_vfm b)
    int sf_vfm_any(sf_vfm m)  # nonzero when any lane is set
    sf_vf sf_vf_sel(sf_vfm m, sf_vf a, sf_vf b)  # m ? a : b
    sf_vfi sf_vf_bits(sf_vf a)
    sf_vf sf_vfi_asf(sf_vfi a)
    sf_vf sf_vfi_cvtf(sf_vfi a)  # int32 lanes to float
    sf_vfi sf_vfi_set(int a)
    sf_vfi sf_vfi_add(sf_vfi a, sf_vfi b)
    sf_vfi sf_vfi_sub(sf_vfi a, sf_vfi b)
    sf_vfi sf_vfi_and(sf_vfi a, sf_vfi b)
    sf_vfi sf_vfi_or(sf_vfi a, sf_vfi b)
    sf_vfi sf_vfi_sll(sf_vfi a, int n)  # n a constant
    sf_vfi sf_vfi_srl(sf_vfi a, int n)  # n a constant
    sf_vf_tab16 sf_vf_tab16_load(const float* t)
    sf_vf sf_vf_lookup16(sf_vf_tab16 t, sf_vfi i)  # t[i & 15]
    sf_vd sf_vd_load(const double* p)
    void sf_vd_store(double* p, sf_vd a)
    sf_vd sf_vd_set(double a)
    sf_vd sf_vd_load_f32(const float* p)  # SF_VD_LANES floats, widened
    void sf_vd_store_f32(float* p, sf_vd a)  # rounded once to float
    sf_vd sf_vd_add(sf_vd a, sf_vd b)
    sf_vd sf_vd_sub(sf_vd a, sf_vd b)
    sf_vd sf_vd_mul(sf_vd a, sf_vd b)
    sf_vd sf_vd_div(sf_vd a, sf_vd b)
    sf_vd sf_vd_min(sf_vd a, sf_vd b)
    sf_vd sf_vd_max(sf_vd a, sf_vd b)
    sf_vd sf_vd_fma(sf_vd a, sf_vd b, sf_vd c)  # a*b + c, one rounding
    sf_vd sf_vd_mad(sf_vd a, sf_vd b, sf_vd c)  # a*b + c, fused or not
    sf_vd sf_vd_nmad(sf_vd a, sf_vd b, sf_vd c)  # c - a*b, fused or not
    sf_vd sf_vd_fms(sf_vd a, sf_vd b, sf_vd c)  # a*b - c, one rounding
    sf_vd sf_vd_fnma(sf_vd a, sf_vd b, sf_vd c)  # c - a*b, one rounding
    sf_vdm sf_vd_lt(sf_vd a, sf_vd b)
    sf_vdm sf_vd_eq(sf_vd a, sf_vd b)
    sf_vdm sf_vd_ne(sf_vd a, sf_vd b)
    sf_vdm sf_vd_nge(sf_vd a, sf_vd b)  # not (a >= b): a < b or a NaN operand
    sf_vdm sf_vdm_or(sf_vdm a, sf_vdm b)
    sf_vdm sf_vdm_and(sf_vdm a, sf_vdm b)
    int sf_vdm_any(sf_vdm m)  # nonzero when any lane is set
    sf_vd sf_vd_sel(sf_vdm m, sf_vd a, sf_vd b)  # m ? a : b
    # the first / last SF_VD_LANES lanes of a float vector, widened (exact;
    # the portable level's float vector has one lane: _hi is 0.0), and two
    # double vectors rounded once into one float vector (lo's lanes first)
    sf_vd sf_vd_widen_lo(sf_vf a)
    sf_vd sf_vd_widen_hi(sf_vf a)
    sf_vf sf_vf_narrow(sf_vd lo, sf_vd hi)
    sf_vdi sf_vd_bits(sf_vd a)
    sf_vd sf_vdi_asd(sf_vdi a)
    sf_vdi sf_vdi_set(long long a)
    sf_vdi sf_vdi_add(sf_vdi a, sf_vdi b)
    sf_vdi sf_vdi_sub(sf_vdi a, sf_vdi b)
    sf_vdi sf_vdi_and(sf_vdi a, sf_vdi b)
    sf_vdi sf_vdi_or(sf_vdi a, sf_vdi b)
    sf_vdi sf_vdi_sll(sf_vdi a, int n)  # n a constant
    sf_vdi sf_vdi_srl(sf_vdi a, int n)  # n a constant
    sf_vd_tab16 sf_vd_tab16_load(const double* t)
    sf_vd sf_vd_lookup16(sf_vd_tab16 t, sf_vdi i)  # t[i & 15]
