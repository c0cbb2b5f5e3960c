"""Type promotion, generated over every dtype pair, compared with torch at test time.

Operand kinds: dimensioned tensor, 0-dim tensor, Python scalar (bool / int / float), in both
orders.  Ops: add, sub, mul, div (true division: int/int gives the default float dtype).
Each parametrized test covers one (op, kind, left dtype) row and loops over the right operand,
so a failure prints the whole row of mismatches at once.

In-place ops (add_, sub_, mul_, div_) and out= must raise RuntimeError when the result type
cannot be cast to the destination, leaving values and _version unchanged.
"""
import operator

import pytest
import torch

from tests.helpers import DTYPE_NAMES, LIB_NAME, assert_same, dtype_name, error_kind, lib

OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}
INPLACE = {"add": "add_", "sub": "sub_", "mul": "mul_", "div": "div_"}
SCALARS = {"bool": True, "int": 2, "float": 2.5, "neg_int": -3, "big_float": 1e3}


def make(M, name, zero_dim=False):
    dt = getattr(M, name)
    if zero_dim:
        return M.tensor(True if name == "bool" else 3, dtype=dt)
    data = [True, False, True] if name == "bool" else [1, 2, 5]
    return M.tensor(data, dtype=dt)


def run(fn, M):
    try:
        return "ok", fn(M)
    except Exception as e:  # noqa: BLE001
        return "raise", e


def compare(fn, label):
    """None if lib matches torch on ``fn``, else a one-line description of the mismatch."""
    kt, vt = run(fn, torch)
    kl, vl = run(fn, lib)
    if kt == "raise":
        if kl != "raise":
            return f"{label}: torch raises {type(vt).__name__}, {LIB_NAME} gives {dtype_name(vl.dtype)}"
        if not isinstance(vl, error_kind(type(vt))):
            return f"{label}: torch raises {type(vt).__name__}, {LIB_NAME} raises {type(vl).__name__}"
        return None
    if kl == "raise":
        return f"{label}: torch gives {dtype_name(vt.dtype)}, {LIB_NAME} raises {type(vl).__name__}: {vl}"
    try:
        assert_same(vl, vt)
    except AssertionError as e:
        return f"{label}: {str(e).splitlines()[0]}"
    return None


def assert_row(failures):
    failures = [f for f in failures if f]
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)


KINDS = {
    "tensor-tensor": (False, False),
    "tensor-0dim": (False, True),
    "0dim-tensor": (True, False),
    "0dim-0dim": (True, True),
}


@pytest.mark.parametrize("left", DTYPE_NAMES)
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("op", list(OPS))
def test_binary_promotion_tensor_operands(op, kind, left):
    za, zb = KINDS[kind]
    f = OPS[op]
    assert_row(compare(lambda M, r=right: f(make(M, left, za), make(M, r, zb)), f"{left} {op} {right}")
               for right in DTYPE_NAMES)


@pytest.mark.parametrize("left", DTYPE_NAMES)
@pytest.mark.parametrize("op", list(OPS))
def test_binary_promotion_python_scalars(op, left):
    f = OPS[op]
    fails = []
    for sname, s in SCALARS.items():
        for zero_dim in (False, True):
            k = "0dim" if zero_dim else "tensor"
            fails.append(compare(lambda M: f(make(M, left, zero_dim), s), f"{left}-{k} {op} {sname}"))
            fails.append(compare(lambda M: f(s, make(M, left, zero_dim)), f"{sname} {op} {left}-{k}"))
    assert_row(fails)


@pytest.mark.parametrize("left", DTYPE_NAMES)
@pytest.mark.parametrize("op", list(OPS))
def test_function_forms_promote_like_operators(op, left):
    """torch.add(a, b) / a.add(b) agree with the operator form."""
    fails = []
    for right in DTYPE_NAMES:
        fails.append(compare(lambda M, r=right: getattr(M, op)(make(M, left), make(M, r)),
                             f"{op}({left}, {right})"))
        fails.append(compare(lambda M, r=right: getattr(make(M, left), op)(make(M, r, True)),
                             f"{left}.{op}({right}-0dim)"))
    assert_row(fails)


def inplace_check(M_pair_fn, label):
    """Apply an in-place op in both libraries.  When torch raises, lib must raise the same class
    and leave values and _version unchanged; otherwise results must match."""
    (al, fl), (at, ft) = M_pair_fn(lib), M_pair_fn(torch)
    vl0, vt0 = al._version, at._version
    before = al.tolist()
    kt, rt = run(lambda M: ft(), torch)
    kl, rl = run(lambda M: fl(), lib)
    if kt == "raise":
        if kl != "raise":
            return f"{label}: torch raises {type(rt).__name__}, {LIB_NAME} does not"
        if not isinstance(rl, error_kind(type(rt))):
            return f"{label}: torch raises {type(rt).__name__}, {LIB_NAME} {type(rl).__name__}"
        try:
            changed = al.tolist() != before
        except Exception:  # noqa: BLE001
            changed = True
        if changed:
            return f"{label}: values changed although the op raised"
        if al._version != vl0:
            return f"{label}: _version moved {vl0} -> {al._version} although the op raised"
        return None
    if kl == "raise":
        return f"{label}: torch ok ({dtype_name(at.dtype)}), {LIB_NAME} raises {type(rl).__name__}: {rl}"
    if rl is not al:
        return f"{label}: in-place op did not return self"
    try:
        assert_same(al, at)
    except AssertionError as e:
        return f"{label}: {str(e).splitlines()[0]}"
    if al._version - vl0 != at._version - vt0:
        return f"{label}: _version +{al._version - vl0}, torch +{at._version - vt0}"
    return None


@pytest.mark.parametrize("left", DTYPE_NAMES)
@pytest.mark.parametrize("op", list(INPLACE))
def test_inplace_cast_rules(op, left):
    meth = INPLACE[op]
    fails = []
    for right in DTYPE_NAMES:
        for zb in (False, True):
            def build(M, r=right, zb=zb):
                a, b = make(M, left), make(M, r, zb)
                return a, (lambda: getattr(a, meth)(b))
            fails.append(inplace_check(build, f"{left}.{meth}({right}{'-0dim' if zb else ''})"))
    for sname, s in SCALARS.items():
        def build(M, s=s):
            a = make(M, left)
            return a, (lambda: getattr(a, meth)(s))
        fails.append(inplace_check(build, f"{left}.{meth}({sname})"))
    assert_row(fails)


@pytest.mark.parametrize("op", list(OPS))
def test_out_cast_rules(op):
    fails = []
    for src in DTYPE_NAMES:
        for dst in DTYPE_NAMES:
            def build(M, src=src, dst=dst):
                o = M.zeros(3, dtype=getattr(M, dst))
                return o, (lambda: getattr(M, op)(make(M, src), make(M, src), out=o))
            fails.append(inplace_check(build, f"{op}({src}, {src}, out={dst})"))
    assert_row(fails)


def test_inplace_broadcast_to_bigger_shape_raises():
    def build(M):
        a = M.ones(3)
        return a, (lambda: a.add_(M.ones(2, 3)))
    assert inplace_check(build, "ones(3).add_(ones(2,3))") is None


def test_default_dtype_for_int_true_division():
    for M in (lib, torch):
        r = M.tensor([1, 2]) / M.tensor([2, 2])
        assert dtype_name(r.dtype) == "float32"
    assert_same(lib.tensor([7, -7]) / lib.tensor([2, 2]), torch.tensor([7, -7]) / torch.tensor([2, 2]))


def test_result_type_function():
    fails = []
    for a in DTYPE_NAMES:
        for b in DTYPE_NAMES:
            rt = dtype_name(torch.result_type(make(torch, a), make(torch, b, True)))
            try:
                rl = dtype_name(lib.result_type(make(lib, a), make(lib, b, True)))
            except Exception as e:  # noqa: BLE001
                rl = type(e).__name__
            if rl != rt:
                fails.append(f"result_type({a}, {b}-0dim): {rl} != torch {rt}")
    assert_row(fails)
