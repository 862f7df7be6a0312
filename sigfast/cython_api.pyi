"""Type stubs for sigfast.cython_api (its Python-level names; the scalar
functions themselves are C functions, reached by cimport or by address)."""
import ctypes
from typing import Final

#: The SIMD level whose kernels the scalar functions run.
LEVEL: Final[str]
#: name -> C signature, e.g. "sigmoid_f64" -> "double (double)".
SIGNATURES: Final[dict[str, str]]

def address(name: str) -> int: ...
def ctypes_function(name: str) -> ctypes._CFunctionType: ...
def get_include() -> str: ...
