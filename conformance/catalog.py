"""Load specs/*.toml into typed, validated records.

Why strict: a typo in a spec (unknown kind, a divergence without a reason) must fail loudly at load
time, not silently test less.  Nothing here is eval'd: call paths are dotted names resolved with
getattr, argument kinds come from the fixed vocabulary in KINDS.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import dtypes as dt

SPECS_DIR = Path(__file__).resolve().parent.parent / "specs"

#: Check names (engine order) and the oracles each one may run against.
CHECKS: dict[str, tuple[str, ...]] = {
    "forward": ("torch", "jax"),
    "dtype": ("torch",),
    "shape": ("torch",),
    "view": ("torch",),
    "inplace": ("torch",),
    "out": ("torch",),
    "grad": ("torch", "jax"),
    "accumulation": ("torch",),
    "retain_graph": ("torch",),
    "errors": ("torch",),
    # random ops: the library alone ("self"), torch only as a control that the draw is not degenerate
    "range": ("self",),
    "determinism": ("self",),
    "distribution": ("self",),
    "stream": ("torch",),          # opt-in (spec `stream = true`): bit-identical to torch after manual_seed
    "cross_device": ("impl-cpu",),  # cuda runs: the library on the GPU vs itself on CPU
}

# Argument kinds -> the parameters each accepts (beyond the common ones).  strategies.py implements
# every kind listed here; tests/test_engine_catches_bugs.py asserts that they agree.
_TENSOR = {"dtype", "domain", "shape", "with", "chain", "min_dims", "max_dims", "min_side", "max_side",
           "layouts", "grad", "scalar", "structure", "near", "size3", "broadcast", "requires_grad"}
KINDS: dict[str, set[str]] = {
    "tensor": _TENSOR,
    "broadcast_tensor": _TENSOR,   # = tensor with shape="broadcast"
    "matrix": _TENSOR,             # = tensor with shape="matrix"; chain=<name> makes rows = chain's cols
    "scalar": {"category", "domain", "min", "max", "above"},
    "int": {"min", "max", "above"},
    "bool": set(),
    "dim": {"of", "extra"},
    "dims": {"of"},
    "size": {"min_dims", "max_dims", "max_side"},
    "dtype": {"choices"},
    "view_shape": {"of"},
    "expand_shape": {"of"},
    "permutation": {"of"},
    "index": {"of", "for_dim"},
    "start": {"of", "for_dim"},
    "length": {"of", "for_dim", "start"},
    "basic_index": {"of"},
    "ndarray": {"dtype", "domain", "min_dims", "max_dims"},
    "data": {"domain", "min_dims", "max_dims"},
    "arange_step": {"start", "end", "max_count"},
    "mask": {"of"},
    "k": {"of", "for_dim"},
    "index_tensor": {"of", "for_dim", "mode", "dtype", "layouts"},
    "tensors": {"mode", "dtype", "domain", "min_dims", "max_dims", "min_count", "max_count", "legacy_empty",
                "layouts"},
    "choice": {"values"},
    "resize_shape": {"of"},
}
COMMON_ARG_KEYS = {"name", "kind", "optional", "splat", "requires"}
DOMAINS = ("any", "finite", "moderate", "small", "positive", "nonneg", "unit", "nonzero", "small_nonneg")
SHAPES = ("any", "same", "broadcast", "matrix", "vector", "matmul",
          # derived from several tensors named by `with = [a, b]` (add `broadcast = true` for an
          # input that only has to broadcast to it): bmm's right operand, and the results of
          # mm/mv/bmm (np.matmul), an outer product, and a batch-summed bmm (addbmm)
          "bmm", "mm_result", "outer_result", "bmm_sum_result")
STRUCTURES = ("invertible", "separated_sv")
INDEX_MODES = ("select", "gather", "scatter", "take")
POSTS = ("svd", "sort")
DISTS = ("uniform", "normal", "randint", "permutation")
LAYOUTS = ("contiguous", "transposed", "strided", "offset", "expanded")
RETURNS = ("new", "view", "view_or_copy", "inplace", "value")
OP_KEYS = {"torch", "impl", "jax", "jax_reason", "jax_args", "jax_kwargs", "dtypes", "args", "kwargs",
           "returns", "inplace", "out", "differentiable", "tolerance", "grad_tolerance", "divergences",
           "skip", "cuda_skip", "errors", "seeds", "doc", "outputs", "ties", "grad_distinct", "out_alias", "post", "random", "stream"}
#: arg fields that name another argument (validated; strategies draw the named one first)
REF_KEYS = ("of", "with", "chain", "for_dim", "start", "end", "near", "above")


class SpecError(ValueError):
    """A spec file is malformed; the message names the file, the op and the field."""


@dataclass(frozen=True)
class ArgSpec:
    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    optional: bool = False
    splat: bool | str = False  # True / False / "random": pass a tuple value as *args to torch
    requires: str | None = None  # drawn only when this other (optional) argument is present

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def with_params(self, **changes: Any) -> "ArgSpec":
        return ArgSpec(self.name, self.kind, {**self.params, **changes}, self.optional, self.splat, self.requires)


@dataclass(frozen=True)
class Divergence:
    oracle: str
    reason: str
    checks: tuple[str, ...]
    dtypes: tuple[str, ...] | None  # None: every dtype
    # Argument values that show the divergence (tensors as nested lists in the record's dtype): for one
    # that random draws rarely hit. It is run when the search does not diverge; it must diverge, or stale.
    witness: dict[str, Any] | None = None

    def applies(self, check: str, oracle: str, dtype: str | None) -> bool:
        return (oracle == self.oracle and check in self.checks
                and (self.dtypes is None or dtype in self.dtypes))


#: How an error case makes its argument invalid (specs/README.md, "Error cases").
ERROR_HOWS = ("value", "dtype", "type", "uncastable", "bucket", "requires_grad", "empty", "rank", "overflow")
ERROR_KEYS = {"arg", "reason", "how", "dtype", "dtypes", "call"}


@dataclass(frozen=True)
class ErrorCase:
    """Draw the op's inputs but make ``arg`` invalid:
      value       an invalid value of its kind (a dim out of range, a shape that does not fit...)
      dtype       a tensor of a dtype from ``dtype`` (a group or list): int for a float-only op, a
                  float index tensor...
      type        a value of the wrong Python type (a str, a float where an int is expected, a
                  list of strings where a tensor is): torch raises TypeError
      uncastable  call the in-place twin with ``arg`` of a dtype category above the bucket's (bool <
                  int < float): the promoted result cannot be written into self
      bucket      drawn as usual: the bucket's own dtype is what torch rejects (with ``dtypes``)
      requires_grad  a float tensor that is a leaf requiring grad (numpy(), in-place ops on leaves)
      empty       a tensor with no elements (a zero-size dim): reductions with no identity
      rank        a tensor with one dim more or one fewer than a valid draw (t, trace, triu, svd...)
      overflow    a Python number outside the bucket dtype's range (float16, float32, integer buckets;
                  free shapes one element half the time): where torch raises, the library must raise
                  the same class; where torch accepts it (a one-element float16 fill, a wrapped scalar
                  operand), the library must return what torch returns
    ``dtypes`` restricts the case to those buckets; ``call = "inplace"`` calls the in-place twin."""
    arg: str
    reason: str
    how: str = "value"
    dtype: tuple[str, ...] = ()
    dtypes: tuple[str, ...] | None = None
    call: str = "op"


@dataclass(frozen=True)
class OutputSpec:
    """One element of a tuple result (max(dim), topk, svd...).  `index_of`/`dim` name the input and
    the dim an index output points into: with `ties` declared, differing indices that select the same
    values are accepted."""
    name: str
    index_of: str | None = None
    dim: str | None = None


@dataclass(frozen=True)
class RandomSpec:
    """A random op: values are never compared with torch, only their support, determinism under
    manual_seed and distribution.  Parameters are numbers or argument names (read from the example)."""
    dist: str                       # uniform | normal | randint | permutation
    sample: str                     # the argument enlarged for the distribution test
    params: dict[str, Any] = field(default_factory=dict)   # low/high (uniform, randint), mean/std (normal)


@dataclass(frozen=True)
class Gap:
    op: str
    check: str
    oracle: str
    reason: str
    impl: str
    dtypes: tuple[str, ...] | None

    def applies(self, op: str, check: str, oracle: str, dtype: str | None, impl: str) -> bool:
        return (self.op == op and self.check == check and self.oracle == oracle and self.impl == impl
                and (self.dtypes is None or dtype in self.dtypes))


@dataclass(frozen=True)
class OpSpec:
    name: str
    group: str
    torch: str
    impl: str
    jax: str | None
    jax_reason: str | None
    jax_args: tuple[str, ...] | None
    jax_kwargs: dict[str, Any]
    dtypes: tuple[str, ...]
    args: tuple[ArgSpec, ...]
    kwargs: tuple[ArgSpec, ...]
    returns: str
    inplace: str | None
    out: bool
    differentiable: bool
    tolerance: dict[str, tuple[float, float]]
    grad_tolerance: dict[str, tuple[float, float]]
    divergences: tuple[Divergence, ...]
    skip: dict[str, str]
    errors: tuple[ErrorCase, ...]
    seeds: tuple[str, ...]
    source: str
    outputs: tuple[OutputSpec, ...] = ()
    ties: str | None = None
    grad_distinct: str | None = None  # reason: gradient checks draw well-separated values
    out_alias: str | None = None  # reason: torch's values are undefined when out= is an input
    post: str | None = None
    random: RandomSpec | None = None
    stream: bool = False
    # check -> reason: what torch does on CUDA cannot be compared there (a device-side assert, an
    # unspecified order); the CPU run still checks it
    cuda_skip: dict[str, str] = field(default_factory=dict)

    @property
    def all_args(self) -> tuple[ArgSpec, ...]:
        return self.args + self.kwargs

    def arg(self, name: str) -> ArgSpec:
        for a in self.all_args:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def tensor_args(self) -> tuple[ArgSpec, ...]:
        return tuple(a for a in self.all_args if a.kind in TENSOR_KINDS)

    def divergence_for(self, check: str, oracle: str, dtype: str | None) -> Divergence | None:
        return next((d for d in self.divergences if d.applies(check, oracle, dtype)), None)


TENSOR_KINDS = ("tensor", "broadcast_tensor", "matrix")


@dataclass
class Catalog:
    ops: dict[str, OpSpec]
    gaps: tuple[Gap, ...]

    def select(self, names: list[str] | None) -> list[OpSpec]:
        if not names:
            return list(self.ops.values())
        unknown = [n for n in names if n not in self.ops and n not in self.groups]
        if unknown:
            raise SpecError(f"unknown op or group {unknown}; known groups: {sorted(self.groups)}")
        return [op for op in self.ops.values() if op.name in names or op.group in names]

    @property
    def groups(self) -> set[str]:
        return {op.group for op in self.ops.values()}

    def gap_for(self, op: str, check: str, oracle: str, dtype: str | None, impl: str) -> Gap | None:
        return next((g for g in self.gaps if g.applies(op, check, oracle, dtype, impl)), None)


# ---------------------------------------------------------------------------------------------

def _fail(where: str, msg: str) -> SpecError:
    return SpecError(f"{where}: {msg}")


def _tol(where: str, raw: Any) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict):
        raise _fail(where, "tolerance must be a table {dtype = {rtol=..., atol=...}}")
    out = {}
    for d, v in raw.items():
        if d not in dt.ALL or not isinstance(v, dict) or set(v) - {"rtol", "atol"}:
            raise _fail(where, f"bad tolerance entry {d!r} = {v!r} (need a dtype name and rtol/atol)")
        base = dt.DEFAULT_TOL.get(d, (0.0, 0.0))
        out[d] = (float(v.get("rtol", base[0])), float(v.get("atol", base[1])))
    return out


def _arg(where: str, raw: Any, default_name: str) -> ArgSpec:
    if not isinstance(raw, dict) or "kind" not in raw:
        raise _fail(where, f"argument {raw!r} must be a table with a 'kind'")
    kind = raw["kind"]
    if kind not in KINDS:
        raise _fail(where, f"unknown argument kind {kind!r}; known: {sorted(KINDS)}")
    params = {k: v for k, v in raw.items() if k not in COMMON_ARG_KEYS}
    bad = set(params) - KINDS[kind]
    if bad:
        raise _fail(where, f"argument kind {kind!r} does not take {sorted(bad)}; it takes {sorted(KINDS[kind])}")
    if "domain" in params and params["domain"] not in DOMAINS:
        raise _fail(where, f"unknown domain {params['domain']!r}; known: {DOMAINS}")
    if kind == "broadcast_tensor":
        params.setdefault("shape", "broadcast")
    if kind == "matrix":
        params.setdefault("shape", "matrix")
    if "shape" in params and params["shape"] not in SHAPES:
        raise _fail(where, f"unknown tensor shape rule {params['shape']!r}; known: {SHAPES}")
    for lay in params.get("layouts", ()):
        if lay not in LAYOUTS:
            raise _fail(where, f"unknown layout {lay!r}; known: {LAYOUTS}")
    splat = raw.get("splat", False)
    if splat not in (True, False, "random"):
        raise _fail(where, "splat must be true, false or \"random\"")
    kind = "tensor" if kind in TENSOR_KINDS else kind
    return ArgSpec(str(raw.get("name", default_name)), kind, params, bool(raw.get("optional", False)), splat,
                   raw.get("requires"))


def _op(name: str, group: str, raw: dict[str, Any], source: str) -> OpSpec:
    where = f"{source} [{name}]"
    bad = set(raw) - OP_KEYS
    if bad:
        raise _fail(where, f"unknown field(s) {sorted(bad)}; known: {sorted(OP_KEYS)}")
    if "torch" not in raw:
        raise _fail(where, "missing 'torch' (the call path, e.g. \"torch.add\" or \"Tensor.add\")")
    if not raw.get("jax") and not raw.get("jax_reason"):
        raise _fail(where, "give 'jax' (a call path) or 'jax_reason' (why there is no JAX oracle)")
    args = tuple(_arg(where, a, f"x{i}") for i, a in enumerate(raw.get("args", [])))
    kwargs_raw = raw.get("kwargs", {})
    if not isinstance(kwargs_raw, dict):
        raise _fail(where, "kwargs must be a table name = {kind=...}")
    kwargs = tuple(_arg(where, {**v, "name": k}, k) for k, v in kwargs_raw.items())
    names = [a.name for a in args + kwargs]
    if len(set(names)) != len(names):
        raise _fail(where, f"duplicate argument names {names}")
    for a in args + kwargs:
        for ref_key in REF_KEYS + ("requires",):
            ref = a.requires if ref_key == "requires" else a.get(ref_key)
            for r in (ref if isinstance(ref, list) else [ref]):
                if isinstance(r, str) and r not in names:
                    raise _fail(where, f"argument {a.name!r}: {ref_key}={r!r} names no argument ({names})")
        if a.get("structure") is not None and a.get("structure") not in STRUCTURES:
            raise _fail(where, f"unknown structure {a.get('structure')!r}; known: {STRUCTURES}")
        if a.kind == "index_tensor" and a.get("mode", "select") not in INDEX_MODES:
            raise _fail(where, f"unknown index_tensor mode {a.get('mode')!r}; known: {INDEX_MODES}")
        if a.kind == "choice" and not (isinstance(a.get("values"), list) and a.get("values")):
            raise _fail(where, f"argument {a.name!r}: choice needs a non-empty list `values`")
    returns = raw.get("returns", "new")
    if returns not in RETURNS:
        raise _fail(where, f"returns must be one of {RETURNS}")
    divs = []
    for d in raw.get("divergences", []):
        if not d.get("reason"):
            raise _fail(where, f"divergence {d!r} needs a 'reason'")
        oracle = d.get("oracle", "jax")
        checks = tuple(d.get("checks", [c for c, o in CHECKS.items() if oracle in o]))
        for c in checks:
            if c not in CHECKS or oracle not in CHECKS[c]:
                raise _fail(where, f"divergence check {c!r} does not run against oracle {oracle!r}")
        witness = d.get("witness")
        if witness is not None:
            unknown = sorted(set(witness) - set(names)) if isinstance(witness, dict) else witness
            if not isinstance(witness, dict) or unknown:
                raise _fail(where, f"divergence witness must be a table of argument values; unknown: {unknown} "
                                   f"(arguments: {names})")
        divs.append(Divergence(oracle, d["reason"], checks,
                               dt.expand(d["dtypes"]) if "dtypes" in d else None, witness))
    skip = dict(raw.get("skip", {}))
    cuda_skip = dict(raw.get("cuda_skip", {}))
    for c, reason in [*skip.items(), *cuda_skip.items()]:
        if c not in CHECKS or not reason:
            raise _fail(where, f"skip entry {c!r} must name a check and give a reason")
    errors = []
    for e in raw.get("errors", []):
        if not isinstance(e, dict) or e.get("arg") not in names or not e.get("reason"):
            raise _fail(where, f"error case {e!r} needs arg=<an argument name> and a reason")
        if set(e) - ERROR_KEYS:
            raise _fail(where, f"error case {e!r}: unknown field(s) {sorted(set(e) - ERROR_KEYS)}; "
                               f"known: {sorted(ERROR_KEYS)}")
        how = e.get("how", "value")
        if how not in ERROR_HOWS:
            raise _fail(where, f"error case {e!r}: unknown how {how!r}; known: {ERROR_HOWS}")
        if (how == "dtype") != ("dtype" in e):
            raise _fail(where, f"error case {e!r}: how = \"dtype\" and dtype = <group or list> go together")
        call = e.get("call", "inplace" if how == "uncastable" else "op")
        if call not in ("op", "inplace") or (call == "inplace" and not raw.get("inplace")):
            raise _fail(where, f"error case {e!r}: call must be \"op\" or \"inplace\" (which needs an "
                               "`inplace` twin)")
        if how == "bucket" and "dtypes" not in e:
            raise _fail(where, f"error case {e!r}: how = \"bucket\" needs dtypes (the buckets torch rejects)")
        try:
            bad = dt.expand(e["dtype"]) if "dtype" in e else ()
            only = dt.expand(e["dtypes"]) if "dtypes" in e else None
        except ValueError as err:
            raise _fail(where, f"error case {e!r}: {err}") from None
        errors.append(ErrorCase(e["arg"], e["reason"], how, bad, only, call))
    jax_args = raw.get("jax_args")
    jax_kwargs = dict(raw.get("jax_kwargs", {}))
    for ref in list(jax_args or []) + [v for v in jax_kwargs.values() if isinstance(v, str)]:
        if ref not in names:
            raise _fail(where, f"jax_args/jax_kwargs name {ref!r} is not an argument ({names})")
    try:
        dtypes = dt.expand(raw.get("dtypes", []))
    except ValueError as e:
        raise _fail(where, str(e)) from None
    for s in raw.get("seeds", []):
        if not (isinstance(s, str) and len(s) == 3 and s.isdigit()):
            raise _fail(where, f"seed {s!r} must be a 3-digit seed-note prefix like \"001\"")
    outputs = []
    for o in raw.get("outputs", []):
        o = {"name": o} if isinstance(o, str) else o
        if not isinstance(o, dict) or set(o) - {"name", "index_of", "dim"} or not o.get("name"):
            raise _fail(where, f"output {o!r} must be a name or {{name, index_of, dim}}")
        for ref in (o.get("index_of"), o.get("dim")):
            if ref is not None and ref not in names:
                raise _fail(where, f"output {o['name']!r} refers to {ref!r}, not an argument ({names})")
        outputs.append(OutputSpec(o["name"], o.get("index_of"), o.get("dim")))
    ties = raw.get("ties")
    grad_distinct = raw.get("grad_distinct")
    out_alias = raw.get("out_alias")
    if out_alias is not None and not (isinstance(out_alias, str) and out_alias and raw.get("out")):
        raise _fail(where, "out_alias must be a reason (text), on an op with out = true")
    if grad_distinct is not None and not (isinstance(grad_distinct, str) and grad_distinct):
        raise _fail(where, "grad_distinct must be a reason (text)")
    if ties is not None and not (isinstance(ties, str) and ties and any(o.index_of for o in outputs)):
        raise _fail(where, "ties must be a reason (text) and needs an output with index_of")
    post = raw.get("post")
    if post is not None and post not in POSTS:
        raise _fail(where, f"unknown post {post!r}; known: {POSTS}")
    rnd = None
    if "random" in raw:
        r = dict(raw["random"])
        dist, sample = r.pop("dist", None), r.pop("sample", None)
        if dist not in DISTS or sample not in names:
            raise _fail(where, f"random needs dist (one of {DISTS}) and sample (an argument name)")
        allowed = {"uniform": {"low", "high"}, "normal": {"mean", "std"}, "randint": {"low", "high"},
                   "permutation": set()}[dist]
        if set(r) - allowed:
            raise _fail(where, f"random dist {dist!r} takes {sorted(allowed)}, not {sorted(set(r) - allowed)}")
        for k, v in r.items():
            if isinstance(v, str) and v not in names:
                raise _fail(where, f"random {k}={v!r} names no argument ({names})")
        rnd = RandomSpec(dist, sample, r)
    if raw.get("stream") and rnd is None:
        raise _fail(where, "stream = true only applies to random ops")
    torch_path = raw["torch"]
    return OpSpec(
        name=name, group=group, torch=torch_path, impl=raw.get("impl", torch_path),
        jax=raw.get("jax"), jax_reason=raw.get("jax_reason"),
        jax_args=tuple(jax_args) if jax_args is not None else None, jax_kwargs=jax_kwargs,
        dtypes=dtypes, args=args, kwargs=kwargs, returns=returns, inplace=raw.get("inplace"),
        out=bool(raw.get("out", False)), differentiable=bool(raw.get("differentiable", False)),
        tolerance=_tol(where, raw.get("tolerance", {})), grad_tolerance=_tol(where, raw.get("grad_tolerance", {})),
        divergences=tuple(divs), skip=skip, errors=tuple(errors), seeds=tuple(raw.get("seeds", [])),
        source=source, outputs=tuple(outputs), ties=ties, grad_distinct=grad_distinct, out_alias=out_alias, post=post, random=rnd, stream=bool(raw.get("stream")),
        cuda_skip=cuda_skip,
    )


def _gaps(path: Path) -> tuple[Gap, ...]:
    if not path.exists():
        return ()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, g in enumerate(raw.get("gap", [])):
        where = f"{path.name} gap #{i + 1}"
        for key in ("op", "check", "reason"):
            if not g.get(key):
                raise _fail(where, f"missing {key!r}")
        oracle = g.get("oracle", "torch")
        if g["check"] not in CHECKS or oracle not in CHECKS[g["check"]]:
            raise _fail(where, f"check {g['check']!r} with oracle {oracle!r} does not exist")
        out.append(Gap(g["op"], g["check"], oracle, g["reason"], g.get("impl", "impl"),
                       dt.expand(g["dtypes"]) if "dtypes" in g else None))
    return tuple(out)


def load(specs_dir: Path | str = SPECS_DIR) -> Catalog:
    """Every specs/<group>.toml (an optional [defaults] table is merged into each op) plus gaps.toml."""
    specs_dir = Path(specs_dir)
    ops: dict[str, OpSpec] = {}
    for path in sorted(specs_dir.glob("*.toml")):
        if path.name == "gaps.toml":
            continue
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise SpecError(f"{path.name}: {e}") from None
        defaults = raw.pop("defaults", {})
        for name, table in raw.items():
            if not isinstance(table, dict):
                raise _fail(path.name, f"top-level key {name!r} must be an op table")
            if name in ops:
                raise _fail(path.name, f"op {name!r} already defined in {ops[name].source}")
            ops[name] = _op(name, path.stem, {**defaults, **table}, path.name)
    catalog = Catalog(ops, _gaps(specs_dir / "gaps.toml"))
    for g in catalog.gaps:
        if g.op not in ops:
            raise SpecError(f"gaps.toml: gap for unknown op {g.op!r}")
    return catalog
