"""The one list of sigfast's ufuncs.

Every fact about a ufunc that more than one place needs lives here, once:
its name, arity, aliases, input domain, docstring, special values and the
facts its tests check (accuracy bounds, the cancellation allowance of
``bce_with_logits_grad``).  The build generates the ufunc loops and the
registration calls from this list (``sigfast/_ufuncs.pyx.tp``); the package
face, the reference twin, the self-check, the benchmarks and the tests
iterate it, and ``tests/test_registry.py`` checks that they all name the
same functions.

This module is plain Python and imports nothing (not even NumPy): the build
loads it by path before anything is compiled.

Adding a function: one :class:`Ufunc` entry here (every fact a check
needs is a field of it: a unary entry that leaves one out fails
``tests/test_registry.py``, which names the function and the fact), its
formulas, its reference twins, its stub and scalar declaration and its
benchmark comparison: the complete list is docs/design.md, "Adding a
function"; every other list of functions is derived from this one.
"""

INF = float("inf")
NAN = float("nan")
#: The zero of silu' (the minimum of silu) and the extrema of silu' (+-),
#: mpmath at 400 bits.
SILU_MIN = -1.2784645427610738
SILU_GRAD_EXT = 2.3993572805154677

#: Appended to every ufunc's docstring.
DOC_TAIL = """
float32 and float64 loops compute natively in that precision; float16 is
computed in float32 and rounded once to float16; long double is computed in
long double (a scalar loop); ml_dtypes.bfloat16 (when ml_dtypes is
installed) is computed in float32 and rounded once to bfloat16; {ints}
Supports ``out=``, ``where=``, broadcasting and every other ufunc keyword.
"""
#: How integer and bool inputs resolve, in :data:`DOC_TAIL`.
INTS_NUMPY = """integer and
bool inputs follow NumPy's casting rules (as np.exp: bool, int8, uint8 give
float16, int16, uint16 float32, wider integers float64)."""
INTS_SCIPY = """integer and
bool inputs give float64, as in scipy.special (the first loops of this
ufunc take bool, int8, uint8, int16 and uint16 and compute in float64)."""


class Ufunc:
    """One ufunc of the sigmoid family.

    name
        Public name; the formulas are ``<name>_f32`` / ``<name>_f64`` in
        ``sigfast/_core/<family>.pxd``.
    nin
        1 (``x -> y``) or 2 (``(z, y) -> out``).
    family
        The formula file the kernels live in.
    doc
        Docstring (the common tail :data:`DOC_TAIL` is added).
    aliases
        Other public names of the function.  The alias named by ``scipy`` is
        its own ufunc object (see there); any other is the same object.
    scipy
        The function's name in ``scipy.special``, if it has one.  That
        name's ufunc resolves integer and bool inputs to float64 as SciPy
        does (loops ``?->d``, ``b->d``, ``B->d``, ``h->d``, ``H->d`` before
        the float ones), where the NumPy-style name gives float16 for bool,
        int8 and uint8 and float32 for int16 and uint16 (as np.exp).  It is
        the main ufunc itself when ``scipy == name`` (``logit``).
    domain
        ``"real"`` (any float; tests sweep the whole finite range),
        ``"unit"`` (a probability in [0, 1]; NaN outside) or
        ``"nonpositive"`` (x <= 0, NaN above: the inputs are mostly -|x|,
        with a few positive ones).
    special
        ``((args, expected), ...)``: exact results, compared bit for bit (so
        ``-0.0`` is checked), in every dtype.
    max_ulp
        The tested accuracy bound against mpmath, ``{dtype name: b}`` for
        float32, float64, longdouble (whatever its format) and bfloat16 (all
        65536 inputs).  Default 1 ulp (float32 and float64); the measured
        float32 maxima over all 2**32 inputs are in tests/test_accuracy.py
        (DENSE_MAX).
    wide32
        True when the float32 loop evaluates the float64 formula on widened
        inputs and rounds once (the family then defines ``<name>_f64``
        only): for a float32 result that needs float64's extra bits (a
        cancellation float32 words cannot carry cheaply; ``log1mexp``).
    cancellation
        For a result that is a difference ``f(z) - y`` which cancels where
        ``f(z) ~ y``: ``{dtype: c}``, an absolute error of ``c * |y|``
        allowed on top of ``max_ulp`` (no wider type exists to absorb it);
        for ``longdouble``, whose format differs by platform, ``c * eps * |y|``
        with that format's machine epsilon.
    monotone
        Where the function is monotone, for the bfloat16 tests and
        ``tools/monotone_f32.py``: ``((lo, hi, +1 or -1), ...)`` over x for a
        unary function; for a binary one ``((y, pieces), ...)``: pieces over
        z for fixed targets y.

    The facts below are required of a unary function (``None``: not stated,
    which tests/test_registry.py rejects); binary ones have their own tests.

    special
        (also) a unary function's results at +inf and -inf, both stated
        (tests/test_hostile.py checks them in every dtype, signed zeros too).
    nan_iff_nan
        True when the result is NaN exactly for NaN inputs (no finite or
        infinite input gives NaN); tests/test_fuzz.py checks it on random
        bit patterns.  False for ``logit`` (NaN outside [0, 1]).
    subnormal_tail
        True when large negative inputs (below about -87 in float32, -708
        in float64) give subnormal results, which must be rounded once, not
        flushed (tests/test_hostile.py, against the twin).
    dense_max32
        The float32 loop's measured maximum error in float32 ulp over all
        2**32 inputs (tools/exhaustive_f32.py), rounded up: the bound of the
        dense sweep in tests/test_accuracy.py, tighter than ``max_ulp`` so
        a change that loses accuracy shows there first.
    """

    def __init__(self, name, nin, family, doc, *, aliases=(), domain="real",
                 special=(), max_ulp=None, cancellation=None, monotone=(),
                 scipy=None, wide32=False, nan_iff_nan=None, subnormal_tail=None,
                 dense_max32=None):
        self.name = name
        self.nin = nin
        self.family = family
        self.doc = doc
        self.aliases = tuple(aliases)
        self.scipy = scipy
        self.domain = domain
        self.special = tuple(special)
        self.max_ulp = dict(max_ulp or {"float32": 1.0, "float64": 1.0,
                                        "longdouble": 2.0, "bfloat16": 1.0})
        self.cancellation = cancellation
        self.wide32 = wide32
        self.monotone = tuple(monotone)
        self.nan_iff_nan = nan_iff_nan
        self.subnormal_tail = subnormal_tail
        self.dense_max32 = dense_max32

    #: the facts a unary entry must state (see the class docstring)
    UNARY_FACTS = ("nan_iff_nan", "subnormal_tail", "dense_max32")

    def missing_facts(self):
        """The required facts this entry leaves unstated (names; empty when complete)."""
        if self.nin != 1:
            return []
        missing = [f for f in self.UNARY_FACTS if getattr(self, f) is None]
        at = {args[0] for args, _ in self.special}
        missing += [f"special value at {v}" for v in (INF, -INF) if v not in at]
        return missing

    @property
    def full_doc(self):
        if self.scipy == self.name:
            return self.doc + DOC_TAIL.format(ints=INTS_SCIPY)
        doc = self.doc + DOC_TAIL.format(ints=INTS_NUMPY)
        if self.scipy:
            doc += (f"``{self.scipy}`` is the same function as a separate ufunc "
                    "that gives float64 for them, as scipy.special does.\n")
        return doc

    @property
    def scipy_doc(self):
        """Docstring of the ``scipy`` alias's own ufunc."""
        return self.doc + DOC_TAIL.format(ints=INTS_SCIPY)

    def __repr__(self):
        return f"Ufunc({self.name!r}, nin={self.nin})"


UFUNCS = (
    Ufunc(
        "sigmoid", 1, "sigmoid",
        "Logistic sigmoid, 1 / (1 + exp(-x)).\n\n"
        "Stable for all x (no overflow), correctly rounded to within about one ulp,\n"
        "including subnormal results for x < -87.3 (float32) / -708.4 (float64).\n"
        "sigmoid(-inf) = 0, sigmoid(inf) = 1.\n\n"
        ">>> sigfast.sigmoid([0.0, 2.0])\narray([0.5       , 0.88079708])\n",
        aliases=("expit",), scipy="expit",
        special=(((0.0,), 0.5), ((INF,), 1.0), ((-INF,), 0.0), ((NAN,), NAN)),
        nan_iff_nan=True, subnormal_tail=True, dense_max32=0.78,
        monotone=((-INF, INF, 1),),
    ),
    Ufunc(
        "sigmoid_grad", 1, "sigmoid",
        "Derivative of the sigmoid from its input: sigma(x) * sigma(-x).\n\n"
        "Computed as e / (1 + e)**2 with e = exp(-|x|), so it keeps full relative\n"
        "accuracy for large |x| where sigma*(1-sigma) collapses to 0.\n",
        special=(((0.0,), 0.25), ((INF,), 0.0), ((-INF,), 0.0), ((NAN,), NAN)),
        nan_iff_nan=True, subnormal_tail=True, dense_max32=0.78,
        monotone=((-INF, 0.0, 1), (0.0, INF, -1)),
    ),
    Ufunc(
        "sigmoid_grad_from_output", 1, "sigmoid",
        "Derivative of the sigmoid from its output y = sigmoid(x): y * (1 - y).\n\n"
        "The cheap backward pass when y is already stored; rounded once.\n",
        domain="unit",
        special=(((0.5,), 0.25), ((0.0,), 0.0), ((1.0,), 0.0), ((-0.0,), -0.0),
                 ((NAN,), NAN), ((INF,), -INF), ((-INF,), -INF)),
        nan_iff_nan=True, subnormal_tail=False, dense_max32=0.501,
        monotone=((-INF, 0.5, 1), (0.5, INF, -1)),
    ),
    Ufunc(
        "log_sigmoid", 1, "log_sigmoid",
        "Logarithm of the sigmoid, log(1 / (1 + exp(-x))) = -softplus(-x).\n\n"
        "log_sigmoid(+inf) = -0.0, log_sigmoid(-inf) = -inf.\n",
        aliases=("log_expit",), scipy="log_expit",
        special=(((INF,), -0.0), ((-INF,), -INF), ((NAN,), NAN), ((-1000.0,), -1000.0)),
        nan_iff_nan=True, subnormal_tail=False, dense_max32=1.0,
        monotone=((-INF, INF, 1),),
    ),
    Ufunc(
        "softplus", 1, "log_sigmoid",
        "Softplus, log(1 + exp(x)), stable for all x.\n\n"
        "softplus(+inf) = inf, softplus(-inf) = 0.\n",
        special=(((INF,), INF), ((-INF,), 0.0), ((NAN,), NAN), ((1000.0,), 1000.0)),
        nan_iff_nan=True, subnormal_tail=True, dense_max32=1.0,
        monotone=((-INF, INF, 1),),
    ),
    Ufunc(
        "logit", 1, "logit",
        "Logit, log(p / (1 - p)), the inverse of the sigmoid.\n\n"
        "logit(0) = -inf, logit(1) = inf, NaN outside [0, 1].\n",
        scipy="logit",
        domain="unit",
        special=(((0.5,), 0.0), ((0.0,), -INF), ((1.0,), INF), ((-0.1,), NAN),
                 ((1.5,), NAN), ((NAN,), NAN), ((INF,), NAN), ((-INF,), NAN)),
        nan_iff_nan=False, subnormal_tail=False, dense_max32=0.62,
        monotone=((0.0, 1.0, 1),),
    ),
    Ufunc(
        "silu", 1, "silu",
        "SiLU (swish), x * sigmoid(x).\n",
        special=(((0.0,), 0.0), ((-0.0,), -0.0), ((INF,), INF), ((-INF,), -0.0),
                 ((NAN,), NAN)),
        nan_iff_nan=True, subnormal_tail=True, dense_max32=0.78,
        monotone=((-INF, SILU_MIN, -1), (SILU_MIN, INF, 1)),
    ),
    Ufunc(
        "silu_grad", 1, "silu",
        "Derivative of SiLU: sigmoid(x) * (1 + x * sigmoid(-x)).\n",
        special=(((0.0,), 0.5), ((INF,), 1.0), ((-INF,), -0.0), ((NAN,), NAN)),
        nan_iff_nan=True, subnormal_tail=True, dense_max32=0.65,
        monotone=((-INF, -SILU_GRAD_EXT, -1), (-SILU_GRAD_EXT, SILU_GRAD_EXT, 1),
                  (SILU_GRAD_EXT, INF, -1)),
    ),
    Ufunc(
        "log1mexp", 1, "log1mexp",
        "log(1 - exp(x)) for x <= 0, stable at both ends.\n\n"
        "Maechler's two regimes, -expm1 near 0 and log1p(-exp(x)) below, blended\n"
        "without a branch; within one ulp.  log1mexp(0) = -inf, log1mexp(-inf) = -0.0\n"
        "(the limit, approached from below), NaN for x > 0.  Unlike np.log, no\n"
        "floating-point flag is raised for x > 0 or x = 0 (sigfast's loops never\n"
        "raise one).\n\n"
        ">>> sigfast.log1mexp([-1.0, -1e-20])\narray([ -0.45867515, -46.05170186])\n",
        wide32=True, domain="nonpositive",
        # NaN for x > 0 too; -e**x, subnormal below -708 (-87 in float32);
        # float32 is the float64 formula rounded once
        nan_iff_nan=False, subnormal_tail=True, dense_max32=0.5,
        special=(((0.0,), -INF), ((-0.0,), -INF), ((-INF,), -0.0), ((1.0,), NAN),
                 ((INF,), NAN), ((NAN,), NAN), ((-20000.0,), -0.0)),
        monotone=((-INF, 0.0, -1),),
    ),
    Ufunc(
        "bce_with_logits", 2, "bce",
        "Elementwise binary cross-entropy from logits z and targets y:\n"
        "-(y log sigma(z) + (1 - y) log sigma(-z)).\n\n"
        "Computed as relu(z)(1-y) + relu(-z) y + log1p(exp(-|z|)), a sum of\n"
        "non-negative terms for y in [0, 1]; finite for every finite input and 0\n"
        "for z = +-inf with the matching target.\n",
        special=(((INF, 1.0), 0.0), ((-INF, 0.0), 0.0), ((INF, 0.0), INF),
                 ((-INF, 1.0), INF), ((NAN, 1.0), NAN)),
        max_ulp={"float32": 2.0, "float64": 2.0, "longdouble": 2.0, "bfloat16": 1.0},
        # in z: decreasing while sigma(z) < y, increasing after
        monotone=((0.0, ((-INF, INF, 1),)), (1.0, ((-INF, INF, -1),)),
                  (0.5, ((-INF, 0.0, -1), (0.0, INF, 1)))),
    ),
    Ufunc(
        "bce_with_logits_grad", 2, "bce",
        "Gradient of bce_with_logits with respect to z: sigmoid(z) - y.\n",
        special=(((0.0, 0.0), 0.5), ((0.0, 1.0), -0.5), ((INF, 1.0), 0.0),
                 ((-INF, 0.0), 0.0), ((INF, 0.0), 1.0), ((-INF, 1.0), -1.0)),
        # sigma(z) - y cancels where sigma(z) ~ y; float32 needs no
        # allowance: its cancelling lanes take the float64 formula
        # (sigfast/_core/bce.pxd).
        cancellation={"float64": 2.0 ** -54, "longdouble": 0.25},
        monotone=tuple((y, ((-INF, INF, 1),)) for y in (0.0, 0.25, 0.5, 1.0)),
    ),
    Ufunc(
        "glu", 2, "gate",
        "Gated linear unit on two arrays, a * sigmoid(b) (jax.nn.glu's and\n"
        "torch.nn.functional.glu's product on halves already split; see\n"
        "sigfast.glu_split).\n\n"
        "sigmoid(b) is carried to about 2**-100 and the product rounded once:\n"
        "within 1 ulp of the exact a*sigma(b), subnormal results included, and\n"
        "finite wherever that is (no exp(-b) overflow: glu(1e308, -800) is\n"
        "1e308*e**-800).  glu(a, -inf) = 0 with the sign of a, glu(inf, -inf) = nan.\n",
        special=(((1.0, 0.0), 0.5), ((-0.0, 1.0), -0.0), ((2.0, INF), 2.0),
                 ((3.0, -INF), 0.0), ((-3.0, -INF), -0.0), ((INF, -INF), NAN),
                 ((INF, -800.0), INF), ((NAN, 1.0), NAN), ((1.0, NAN), NAN)),
        # in a for fixed b: linear, slope sigma(b) > 0
        monotone=((0.0, ((-INF, INF, 1),)), (-3.0, ((-INF, INF, 1),))),
    ),
    Ufunc(
        "swiglu", 2, "gate",
        "SwiGLU's gate, silu(a) * b = a * sigmoid(a) * b (torch:\n"
        "F.silu(a) * b).\n\n"
        "Formed as (a*b) * sigmoid(a) with a*b and sigmoid(a) carried to extra\n"
        "precision and rounded once: within 1 ulp of the exact value and finite\n"
        "wherever it is, even where a*b alone overflows (swiglu(-800, 1e308) is\n"
        "about 2**-121).  swiglu(-inf, b) = silu(-inf)*b = -0.0*b.\n",
        special=(((0.0, 5.0), 0.0), ((-0.0, 5.0), -0.0), ((INF, 2.0), INF),
                 ((-INF, 2.0), -0.0), ((-INF, -2.0), 0.0), ((2.0, INF), INF),
                 ((0.0, INF), NAN), ((NAN, 1.0), NAN), ((1.0, NAN), NAN)),
        # in a for fixed b: silu's pieces, mirrored for b < 0
        monotone=((1.0, ((-INF, SILU_MIN, -1), (SILU_MIN, INF, 1))),
                  (-1.0, ((-INF, SILU_MIN, 1), (SILU_MIN, INF, -1)))),
    ),
    Ufunc(
        "logit_eps", 2, "logit",
        "PyTorch's torch.logit(p, eps): logit(z), z = p clamped to [eps, 1 - eps].\n\n"
        "As PyTorch: z = eps where p < eps, else 1 - eps where p > 1 - eps (1 - eps\n"
        "rounded in the computing type), else p; eps < 0 is PyTorch's eps=None (no\n"
        "clamp).  A NaN eps gives NaN (PyTorch: no clamp).  logit(z) is\n"
        "sigfast.logit's (within one ulp; PyTorch rounds z / (1 - z) first).\n"
        "A scalar eps broadcasts.\n",
        domain="unit",
        special=(((0.5, 0.1), 0.0), ((0.0, -1.0), -INF), ((1.0, -1.0), INF),
                 ((0.0, 0.0), -INF), ((2.0, -1.0), NAN), ((NAN, 0.25), NAN),
                 ((0.75, 0.5), 0.0), ((0.25, NAN), NAN), ((0.0, 1.0), INF),
                 ((1.0, 1.0), -INF)),
        # in p, for fixed eps: non-decreasing (constant where clamped)
        monotone=((0.0, ((0.0, 1.0, 1),)), (0.25, ((-INF, INF, 1),)),
                  (0.1015625, ((-INF, INF, 1),))),
    ),
)

#: name -> entry
BY_NAME = {u.name: u for u in UFUNCS}
#: public alias -> ufunc name
ALIASES = {a: u.name for u in UFUNCS for a in u.aliases}
#: SciPy name -> ufunc name, for the ufuncs whose SciPy name resolves
#: integer inputs as SciPy does (see Ufunc.scipy)
SCIPY = {u.scipy: u.name for u in UFUNCS if u.scipy}
UNARY = tuple(u.name for u in UFUNCS if u.nin == 1)
BINARY = tuple(u.name for u in UFUNCS if u.nin == 2)
NAMES = UNARY + BINARY
#: formula family -> ufunc names, in registry order
FAMILIES = {}
for _u in UFUNCS:
    FAMILIES.setdefault(_u.family, []).append(_u.name)
del _u

#: The loss functions of sigfast.losses (not ufuncs).
LOSSES = ("binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
          "binary_cross_entropy_with_logits_loss_and_grad", "binary_cross_entropy",
          "sigmoid_focal_loss")
