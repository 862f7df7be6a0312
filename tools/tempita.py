#!/usr/bin/env python
"""Expand a Cython Tempita template with sigfast's registry in scope.

    python tools/tempita.py TEMPLATE.pyx.tp -o OUT.pyx [--registry sigfast/_registry.py]

meson runs this at build time (sigfast/meson.build).  The template sees
``ufuncs`` (the registry's entries, in order), ``families`` ({family file:
[names]}), ``formulas`` ({family file: [its formula functions]}) and
``registry`` (the module itself).  The registry is loaded by
path: it is plain Python and needs nothing built.
"""
import argparse
import importlib.util
import os

from Cython import Tempita


def load_registry(path):
    spec = importlib.util.spec_from_file_location("_sigfast_registry", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("template")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--registry", default=os.path.join(
        os.path.dirname(__file__), "..", "sigfast", "_registry.py"))
    a = ap.parse_args(argv)
    reg = load_registry(a.registry)
    with open(a.template, encoding="utf-8") as fh:
        tmpl = Tempita.Template(fh.read(), name=a.template)
    # the formula functions each family file defines: <name>_f32 and
    # <name>_f64, or <name>_f64 alone for a wide32 function
    formulas = {fam: [n + s for n in names
                      for s in (("_f64",) if reg.BY_NAME[n].wide32 else ("_f32", "_f64"))]
                for fam, names in reg.FAMILIES.items()}
    text = tmpl.substitute(ufuncs=reg.UFUNCS, families=reg.FAMILIES, registry=reg,
                           formulas=formulas)
    with open(a.output, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
