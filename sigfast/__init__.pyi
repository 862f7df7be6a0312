"""Type stubs for the public sigfast API.

The ufuncs are real ``numpy.ufunc`` objects; here they are typed as private,
type-check-only ``numpy.ufunc`` subclasses (the approach of NumPy's own
stubs) whose ``__call__`` maps float16/float32/float64/longdouble inputs to
the same dtype and Python floats/ints to float64.  Everything a ``numpy.ufunc`` has
(``.types``, ``.reduce``, ``.outer``, ``.at``, ...) is inherited.

Every public name below is exported (no ``__all__`` here: the runtime one is
built from the registry, and tests/test_registry.py checks they agree).
"""
from collections.abc import Sequence
from contextlib import AbstractContextManager
from types import EllipsisType
from typing import Any, Final, Literal, SupportsIndex, TypeAlias, TypeVar, overload, type_check_only

import numpy as np
from _typeshed import SupportsWrite
from numpy.typing import ArrayLike, DTypeLike, NDArray

_ArrayT = TypeVar("_ArrayT", bound=np.ndarray[Any, Any])

_Casting: TypeAlias = Literal["no", "equiv", "safe", "same_kind", "unsafe"]
_Order: TypeAlias = Literal["K", "A", "C", "F"] | None
_Where: TypeAlias = bool | NDArray[np.bool_] | Sequence[bool] | None
_Out: TypeAlias = np.ndarray[Any, Any] | tuple[np.ndarray[Any, Any]] | EllipsisType | None
_Floating: TypeAlias = np.floating[Any]
#: Python and NumPy real scalars that the float64 loop takes (bool and int
#: are accepted where float is).
_PyReal: TypeAlias = float | np.float64
_Reduction: TypeAlias = Literal["none", "mean", "sum"]
_Axis: TypeAlias = SupportsIndex | Sequence[SupportsIndex]

__version__: Final[str]
#: SIMD level of the kernels in use.
simd_level: Final[Literal["baseline", "avx2", "avx512"]]


# --------------------------------------------------------------------------
# ufuncs
# --------------------------------------------------------------------------

@type_check_only
class _UnaryUFunc(np.ufunc):  # type: ignore[misc]
    """A sigfast ufunc of one input: e->e, f->f, d->d, g->g (and bfloat16 with ml_dtypes);
    the SciPy names (expit, log_expit, logit) have ?->d b->d B->d h->d H->d first."""

    @property
    def nin(self) -> Literal[1]: ...
    @property
    def nout(self) -> Literal[1]: ...
    @property
    def nargs(self) -> Literal[2]: ...
    @property
    def ntypes(self) -> Literal[4, 9]: ...
    @property
    def signature(self) -> None: ...

    # --- scalars in, scalar out (no out=) ---
    @overload
    def __call__(self, x: np.float16, /, out: None = None, *, where: _Where = True,  # type: ignore[overload-overlap]
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> np.float16: ...
    @overload
    def __call__(self, x: np.float32, /, out: None = None, *, where: _Where = True,  # type: ignore[overload-overlap]
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> np.float32: ...
    @overload
    def __call__(self, x: np.longdouble, /, out: None = None, *, where: _Where = True,  # type: ignore[overload-overlap]
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> np.longdouble: ...
    @overload
    def __call__(self, x: _PyReal, /, out: None = None, *, where: _Where = True,
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> np.float64: ...
    # --- arrays of a float dtype keep it ---
    @overload
    def __call__(self, x: NDArray[np.float16], /, out: None = None, *, where: _Where = True,  # type: ignore[overload-overlap]
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> NDArray[np.float16]: ...
    @overload
    def __call__(self, x: NDArray[np.float32], /, out: None = None, *, where: _Where = True,  # type: ignore[overload-overlap]
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> NDArray[np.float32]: ...
    @overload
    def __call__(self, x: NDArray[np.longdouble], /, out: None = None, *, where: _Where = True,  # type: ignore[overload-overlap]
                 casting: _Casting = ..., order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> NDArray[np.longdouble]: ...
    @overload
    def __call__(self, x: NDArray[np.float64] | Sequence[float], /, out: None = None, *,
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: None = None, subok: bool = ...) -> NDArray[np.float64]: ...
    # --- out= decides the result ---
    @overload
    def __call__(self, x: ArrayLike, /, out: _ArrayT | tuple[_ArrayT], *, where: _Where = True,
                 casting: _Casting = ..., order: _Order = ..., dtype: DTypeLike | None = None,
                 subok: bool = ...) -> _ArrayT: ...
    @overload
    def __call__(self, x: ArrayLike, /, *, out: _ArrayT | tuple[_ArrayT], where: _Where = True,
                 casting: _Casting = ..., order: _Order = ..., dtype: DTypeLike | None = None,
                 subok: bool = ...) -> _ArrayT: ...
    # --- anything else (integer arrays, dtype=, objects with __array_ufunc__) ---
    @overload
    def __call__(self, x: ArrayLike, /, out: _Out = None, *, where: _Where = True,
                 casting: _Casting = ..., order: _Order = ..., dtype: DTypeLike | None = None,
                 subok: bool = ...) -> Any: ...


@type_check_only
class _BinaryUFunc(np.ufunc):  # type: ignore[misc]
    """A sigfast ufunc of two inputs: ee->e, ff->f, dd->d, gg->g (and bfloat16 with ml_dtypes)."""

    @property
    def nin(self) -> Literal[2]: ...
    @property
    def nout(self) -> Literal[1]: ...
    @property
    def nargs(self) -> Literal[3]: ...
    @property
    def ntypes(self) -> Literal[4]: ...
    @property
    def signature(self) -> None: ...

    @overload
    def __call__(self, z: np.float32, y: np.float32, /, out: None = None, *,  # type: ignore[overload-overlap]
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: None = None, subok: bool = ...) -> np.float32: ...
    @overload
    def __call__(self, z: _PyReal, y: _PyReal, /, out: None = None, *,
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: None = None, subok: bool = ...) -> np.float64: ...
    @overload
    def __call__(self, z: NDArray[np.float32], y: NDArray[np.float32] | float, /,
                 out: None = None, *, where: _Where = True, casting: _Casting = ...,
                 order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> NDArray[np.float32]: ...
    @overload
    def __call__(self, z: NDArray[np.longdouble], y: NDArray[np.longdouble] | float, /,
                 out: None = None, *, where: _Where = True, casting: _Casting = ...,
                 order: _Order = ..., dtype: None = None,
                 subok: bool = ...) -> NDArray[np.longdouble]: ...
    @overload
    def __call__(self, z: NDArray[np.float64], y: ArrayLike, /, out: None = None, *,
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: None = None, subok: bool = ...) -> NDArray[np.float64]: ...
    @overload
    def __call__(self, z: ArrayLike, y: ArrayLike, /, out: _ArrayT | tuple[_ArrayT], *,
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: DTypeLike | None = None, subok: bool = ...) -> _ArrayT: ...
    @overload
    def __call__(self, z: ArrayLike, y: ArrayLike, /, *, out: _ArrayT | tuple[_ArrayT],
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: DTypeLike | None = None, subok: bool = ...) -> _ArrayT: ...
    @overload
    def __call__(self, z: ArrayLike, y: ArrayLike, /, out: _Out = None, *,
                 where: _Where = True, casting: _Casting = ..., order: _Order = ...,
                 dtype: DTypeLike | None = None, subok: bool = ...) -> Any: ...


sigmoid: Final[_UnaryUFunc]
expit: Final[_UnaryUFunc]
sigmoid_grad: Final[_UnaryUFunc]
sigmoid_grad_from_output: Final[_UnaryUFunc]
log_sigmoid: Final[_UnaryUFunc]
log_expit: Final[_UnaryUFunc]
softplus: Final[_UnaryUFunc]
logit: Final[_UnaryUFunc]
silu: Final[_UnaryUFunc]
silu_grad: Final[_UnaryUFunc]
log1mexp: Final[_UnaryUFunc]
bce_with_logits: Final[_BinaryUFunc]
bce_with_logits_grad: Final[_BinaryUFunc]
glu: Final[_BinaryUFunc]
swiglu: Final[_BinaryUFunc]
logit_eps: Final[_BinaryUFunc]

#: name -> ufunc, every ufunc above (aliases excluded).
UFUNCS: Final[dict[str, np.ufunc]]


# --------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------

@overload
def binary_cross_entropy_with_logits(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: _Reduction = "mean", axis: _Axis | None = None, out: _ArrayT,
) -> _ArrayT: ...
@overload
def binary_cross_entropy_with_logits(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: Literal["none"], axis: _Axis | None = None, out: None = None,
) -> NDArray[_Floating]: ...
@overload
def binary_cross_entropy_with_logits(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean", axis: None = None, out: None = None,
) -> _Floating: ...
@overload
def binary_cross_entropy_with_logits(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean", axis: _Axis, out: None = None,
) -> NDArray[_Floating]: ...

@overload
def binary_cross_entropy_with_logits_grad(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: _Reduction = "mean", axis: _Axis | None = None, out: _ArrayT,
) -> _ArrayT: ...
@overload
def binary_cross_entropy_with_logits_grad(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: _Reduction = "mean", axis: _Axis | None = None, out: None = None,
) -> NDArray[_Floating]: ...

@overload
def binary_cross_entropy_with_logits_loss_and_grad(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean", axis: None = None,
    loss_out: NDArray[Any] | None = None, gradient_out: NDArray[Any] | None = None,
) -> tuple[_Floating, NDArray[_Floating]]: ...
@overload
def binary_cross_entropy_with_logits_loss_and_grad(
    logits: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    reduction: _Reduction = "mean", axis: _Axis | None = None,
    loss_out: NDArray[Any] | None = None, gradient_out: NDArray[Any] | None = None,
) -> tuple[NDArray[_Floating], NDArray[_Floating]]: ...

@overload
def binary_cross_entropy(
    probs: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    reduction: Literal["none"], eps: float | None = None,
) -> NDArray[_Floating]: ...
@overload
def binary_cross_entropy(
    probs: ArrayLike, targets: ArrayLike, *, weight: ArrayLike | None = None,
    reduction: Literal["mean", "sum"] = "mean", eps: float | None = None,
) -> _Floating: ...

@overload
def sigmoid_focal_loss(
    logits: ArrayLike, targets: ArrayLike, *, alpha: float = 0.25, gamma: float = 2.0,
    reduction: Literal["none"] = "none",
) -> NDArray[_Floating]: ...
@overload
def sigmoid_focal_loss(
    logits: ArrayLike, targets: ArrayLike, *, alpha: float = 0.25, gamma: float = 2.0,
    reduction: Literal["mean", "sum"],
) -> _Floating: ...


# --------------------------------------------------------------------------
# threads and configuration
# --------------------------------------------------------------------------

def glu_split(x: ArrayLike, axis: SupportsIndex = -1,
              out: NDArray[Any] | None = None) -> NDArray[Any]: ...
def get_num_threads() -> int: ...
def set_num_threads(n: SupportsIndex | None) -> int: ...
def num_threads(n: SupportsIndex | None) -> AbstractContextManager[None]: ...
def show_config(file: SupportsWrite[str] | None = None) -> None: ...
