"""Autograd checks: gradients (vs torch.autograd and vs jax.vjp, same cotangent), accumulation of
.grad over two backward calls, and retain_graph semantics."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from .. import dtypes as dt
from .. import repro
from ..catalog import OpSpec
from ..runners.torchlike import TorchLikeRunner, cotangent_array
from ..strategies import Example, Mode
from .base import Check, Ctx, Diverged, Mismatch, diff_inputs, same_exceptions
from .compare import mismatch


def _gtol(op: OpSpec) -> dict[str, tuple[float, float]]:
    """Gradient tolerance: float16 default loosened, then the spec's tolerance, then grad_tolerance."""
    return {**dt.DEFAULT_GRAD_TOL, **op.tolerance, **op.grad_tolerance}


def _path(ctx: Ctx, runner: TorchLikeRunner) -> str:
    return ctx.op.impl if runner is ctx.impl else ctx.op.torch


def _grads(ctx: Ctx, runner: TorchLikeRunner, ex: Example, names: list[str]):
    """(outcome of the whole forward+autograd.grad, grads as arrays/None, output dtype name)."""
    b = runner.build(ex, grad=frozenset(names))
    r = runner.call(_path(ctx, runner), b)
    if r.raised:
        return r, None
    try:
        out = runner.diff_outputs(ctx.op, r.value)
        ct = runner.cotangent(out, ex.extra["ct_seed"])
    except Exception as e:  # noqa: BLE001 - e.g. the library returned something without shape/dtype
        raise Mismatch("could not build a cotangent like the result", {"error": repr(e)}) from e
    leaves = [b.tensors[n] for n in names]
    g = runner.attempt(runner.module.autograd.grad, out, leaves, ct, allow_unused=True)
    if g.raised:
        return g, None
    return g, [None if x is None else runner.read(x, "gradient") for x in g.value]


def run_grad(ctx: Ctx, ex: Example) -> Diverged | None:
    names = diff_inputs(ex)
    if not names:
        reject()
    if ctx.oracle == "jax":
        return _vs_jax(ctx, ex, names)
    ri, gi = _grads(ctx, ctx.impl, ex, names)
    rt, gt = _grads(ctx, ctx.torch, ex, names)
    same_exceptions(ri, rt, "forward + autograd.grad")
    if rt.raised:
        return None
    m = mismatch(gt, gi, _gtol(ctx.op), path="grad")
    if m:
        m["inputs"] = names
        raise Mismatch("gradients differ from torch.autograd", m)
    return None


def _zeros_for_none(grads: list[Any], ex: Example, names: list[str]) -> list[np.ndarray]:
    return [np.zeros(ex.tensor_arg(n).shape, ex.tensor_arg(n).array.dtype) if g is None else g
            for g, n in zip(grads, names)]


def _vs_jax(ctx: Ctx, ex: Example, names: list[str]) -> Diverged | None:
    rt, gt = _grads(ctx, ctx.torch, ex, names)
    if rt.raised:
        return None
    seed = ex.extra["ct_seed"]
    rj = ctx.jax.vjp(ex, names, lambda shape, dtype, i: cotangent_array(shape, dtype, seed + i))
    if rj.raised:
        return Diverged({"torch": "returned", "jax": rj.describe()})
    tol = _gtol(ctx.op)
    gt = _zeros_for_none(gt, ex, names)
    # JAX is the expected value here as for the library below (rtol scales with the expected value):
    # "torch agrees with JAX" and "the library agrees with JAX" must be the same test
    m = mismatch(list(rj.value), gt, tol, oracle="jax", path="grad")
    if m:
        return Diverged({"torch_vs_jax": {**m, "expected_is": "jax", "actual_is": "torch"}, "inputs": names})
    ri, gi = _grads(ctx, ctx.impl, ex, names)
    if ri.raised:
        raise Mismatch("library raised in forward/autograd.grad where torch and JAX agree", {"impl": ri.describe()})
    m = mismatch(list(rj.value), _zeros_for_none(gi, ex, names), tol, oracle="jax", path="grad")
    if m:
        raise Mismatch("gradients differ from jax.vjp (torch agrees with JAX)", {**m, "inputs": names})
    return None


def _mode(op: OpSpec, oracle: str) -> list[Mode]:
    # ops whose indices are ambiguous on ties (topk, median) draw distinct values here: with a tie,
    # torch and the library may both be right and still send the gradient to different elements.
    # `grad_distinct` ops (std) are ill-conditioned on near-constant data: well-separated values too.
    return [Mode(no_subnormal=oracle == "jax", grad=True, shape_pool=oracle == "jax", jax=oracle == "jax",
                 distinct=bool(op.ties or op.grad_distinct))]


def _extra(op: OpSpec) -> dict[str, st.SearchStrategy]:
    return {"ct_seed": st.integers(0, 2**16)}


def _ct_line(seed: int, op: OpSpec | None = None) -> str:
    """The cotangent line of a repro; for tuple results, one per differentiable output (seed + i)."""
    one = ("m.tensor(np.random.default_rng({s}).uniform(-2, 2, size=tuple({o}.shape))"
           ".astype(str({o}.dtype).split('.')[-1]), device={o}.device)")
    if op is not None and (op.outputs or op.post):
        head = ""
        if op.post == "svd":
            head = ("U, S, V = r; k = S.shape[-1]; "
                    "r = [S, (U.narrow(-1, 0, k) * S.unsqueeze(-2)).matmul(V.narrow(-1, 0, k).transpose(-2, -1))]\n")
        return (head + "r = [o for o in r if o.dtype.is_floating_point]\n"
                "ct = [" + one.format(s=f"{seed} + i", o="o") + " for i, o in enumerate(r)]")
    return "ct = " + one.format(s=seed, o="r")


def _grad_repro(ctx: Ctx, ex: Example) -> list[str]:
    names = diff_inputs(ex)
    return repro.op_call_lines(ctx.op, ex) + _ct_line(ex.extra.get("ct_seed", 0), ctx.op).split("\n") + [
        f"print(m.__name__, m.autograd.grad(r, [{', '.join(names)}], ct, allow_unused=True))"]


GRAD = Check("grad", ("torch", "jax"), run_grad, _grad_repro, applies=lambda op: op.differentiable,
             float_only=True, modes=_mode, extra=_extra, grad_inputs=True)


# ------------------------------------------------------------------------------------- accumulation

def _leaf_grads(runner: TorchLikeRunner, leaves: list[Any]) -> list[Any]:
    out = []
    for t in leaves:
        try:
            g = t.grad
        except Exception as e:  # noqa: BLE001
            raise Mismatch(f"{runner.name}: reading .grad raised", {"error": repr(e)}) from e
        out.append(None if g is None else runner.read(g, ".grad"))
    return out


def _backward_twice(ctx: Ctx, runner: TorchLikeRunner, ex: Example, names: list[str]) -> dict[str, Any]:
    b = runner.build(ex, grad=frozenset(names))
    leaves = [b.tensors[n] for n in names]
    steps = []
    for _ in range(2):  # two forwards, two backwards: .grad must accumulate
        r = runner.call(_path(ctx, runner), b)
        if r.raised:
            return {"outcome": r}
        outs = runner.diff_outputs(ctx.op, r.value)
        ct = runner.cotangent(outs, ex.extra["ct_seed"])
        steps.append(runner.backward(outs, ct))
        if steps[-1].raised:
            return {"outcome": steps[-1]}
    return {"outcome": steps[-1], "grads": _leaf_grads(runner, leaves),
            "strides": [None if t.grad is None else _layout(runner.meta(t.grad, ".grad")) for t in leaves]}


def _layout(meta: dict[str, Any]) -> tuple | None:
    """A tensor's strides where they mean something: not a size-1 dim's (torch's layout contract leaves it
    free, and it reflects how a backward formula happened to lay out its result), none for <= 1 element."""
    if int(np.prod(meta["shape"])) <= 1:
        return None
    return tuple(None if size == 1 else stride for size, stride in zip(meta["shape"], meta["stride"]))


def run_accumulation(ctx: Ctx, ex: Example) -> None:
    names = diff_inputs(ex)
    if not names:
        reject()
    fi, ft = _backward_twice(ctx, ctx.impl, ex, names), _backward_twice(ctx, ctx.torch, ex, names)
    same_exceptions(fi["outcome"], ft["outcome"], "forward + backward, twice")
    if "grads" in ft:
        m = mismatch(ft["grads"], fi["grads"], _gtol(ctx.op), path=".grad")
        if m:
            raise Mismatch(".grad after two backward calls differs from torch (accumulation)",
                           {**m, "inputs": names})
        if fi["strides"] != ft["strides"]:  # AccumulateGrad's gradient layout contract
            raise Mismatch(".grad's strides differ from torch (the gradient layout contract: a dense leaf's "
                           ".grad has the leaf's strides, any other leaf's is row-major; a size-1 dim's stride is "
                           "free)",
                           {"torch": ft["strides"], "impl": fi["strides"], "inputs": names})


def _backward_src(op: OpSpec) -> str:
    return "m.autograd.backward(r, ct)" if (op.outputs or op.post) else "r.backward(ct)"


def _accum_repro(ctx: Ctx, ex: Example) -> list[str]:
    names = diff_inputs(ex)
    body = []
    for _ in range(2):
        body += repro.op_call_lines(ctx.op, ex) + _ct_line(ex.extra.get("ct_seed", 0), ctx.op).split("\n") + [
            _backward_src(ctx.op)]
    return body + [f"print(m.__name__, [(t.grad, t.grad.stride()) for t in ({', '.join(names)},)])"]


ACCUMULATION = Check("accumulation", ("torch",), run_accumulation, _accum_repro,
                     applies=lambda op: op.differentiable, float_only=True, modes=_mode, extra=_extra,
                     grad_inputs=True)


# ------------------------------------------------------------------------------------- retain_graph

def _retain_facts(ctx: Ctx, runner: TorchLikeRunner, ex: Example, names: list[str]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for retain in (False, True):
        b = runner.build(ex, grad=frozenset(names))
        r = runner.call(_path(ctx, runner), b)
        if r.raised:
            return {"forward": r}
        outs = runner.diff_outputs(ctx.op, r.value)
        ct = runner.cotangent(outs, ex.extra["ct_seed"])
        kw = {"retain_graph": True} if retain else {}
        first = runner.backward(outs, ct, **kw)
        second = runner.backward(outs, ct) if not first.raised else first
        facts[f"first(retain_graph={retain})"] = first
        facts[f"second(retain_graph={retain})"] = second
        if retain:
            facts["grads"] = _leaf_grads(runner, [b.tensors[n] for n in names])
    return facts


def run_retain_graph(ctx: Ctx, ex: Example) -> None:
    names = diff_inputs(ex)
    if not names:
        reject()
    fi, ft = _retain_facts(ctx, ctx.impl, ex, names), _retain_facts(ctx, ctx.torch, ex, names)
    if "forward" in ft or "forward" in fi:
        same_exceptions(fi.get("forward") or _ok(), ft.get("forward") or _ok(), "the forward call")
        return
    for key in [k for k in ft if k != "grads"]:
        same_exceptions(fi[key], ft[key], f"backward {key}")
    m = mismatch(ft["grads"], fi["grads"], _gtol(ctx.op), path=".grad")
    if m:
        raise Mismatch(".grad after backward(retain_graph=True) then backward() differs from torch", m)


def _ok():
    from ..runners import Outcome
    return Outcome(None)


def _retain_repro(ctx: Ctx, ex: Example) -> list[str]:
    names = diff_inputs(ex)
    ct = _ct_line(ex.extra.get("ct_seed", 0), ctx.op).split("\n")
    bw = _backward_src(ctx.op)
    return repro.op_call_lines(ctx.op, ex) + ct + [bw, "try:", "    " + bw,
        "    print(m.__name__, 'second backward without retain_graph: no error')",
        "except Exception as e:", "    print(m.__name__, 'second backward raised', type(e).__name__, e)"] + [
        f"{n}.grad = None" for n in names] + repro.op_call_lines(ctx.op, ex) + ct + [
        bw.replace("ct)", "ct, retain_graph=True)"), bw,
        f"print(m.__name__, [t.grad for t in ({', '.join(names)},)])"]


RETAIN_GRAPH = Check("retain_graph", ("torch",), run_retain_graph, _retain_repro,
                     applies=lambda op: op.differentiable, float_only=True, modes=_mode, extra=_extra,
                     grad_inputs=True)
