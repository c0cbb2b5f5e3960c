"""Facts about torch on CUDA that the conformance run depends on (printed, one per line)."""
import numpy as np
import torch

for shape in [(0,), (0, 0), (2, 0), (0, 3), (1, 0, 2)]:
    a = np.zeros(shape, np.float32)
    c, g = torch.tensor(a), torch.tensor(a, device="cuda")
    print("tensor(ndarray)", shape, "cpu", c.stride(), "cuda", g.stride(), "empty", torch.empty(shape, device="cuda").stride())
    b = np.zeros((shape[0] + 1,) + shape[1:], np.float32)
    for dev in ("cpu", "cuda"):
        t = torch.tensor(b, device=dev)[1:]
        print("  slice [1:]", dev, t.stride(), t.storage_offset())
print("abs bool", torch.abs(torch.tensor([True, False], device="cuda")))
for dt in (torch.int64, torch.int32, torch.uint8, torch.bool):
    for name, f in [("mm", lambda x: x @ x), ("mv", lambda x: torch.mv(x, x[0])), ("dot", lambda x: torch.dot(x[0], x[0])),
                    ("bmm", lambda x: torch.bmm(x[None], x[None])), ("addmm", lambda x: torch.addmm(x, x, x)),
                    ("addr", lambda x: torch.addr(x, x[0], x[0])), ("trace", lambda x: torch.trace(x)),
                    ("cross", lambda x: torch.cross(x, x, dim=0)), ("addbmm", lambda x: torch.addbmm(x, x[None], x[None]))]:
        try:
            f(torch.ones(3, 3, device="cuda", dtype=dt))
            print(name, dt, "ok")
        except Exception as e:
            print(name, dt, type(e).__name__, e)
x = torch.zeros((), device="cuda")
print("ne denormal", torch.ne(x, 7.165119307785655e-41), torch.ne(x.cpu(), 7.165119307785655e-41))
print("log -denorm", torch.log(torch.tensor(-5e-324, device="cuda", dtype=torch.float64)), torch.log(torch.tensor(-5e-324, dtype=torch.float64)))
for dt in (torch.float16, torch.float32, torch.float64):
    try:
        torch.zeros(3, device="cuda", dtype=dt).fill_(65511.0 if dt == torch.float16 else 1e300)
        print("fill_ overflow", dt, "ok")
    except Exception as e:
        print("fill_ overflow", dt, type(e).__name__, e)
    for v in (1e300, 65511.0):
        try:
            torch.zeros((), device="cuda", dtype=dt).fill_(v); print("fill_ 0d", dt, v, "ok")
        except Exception as e:
            print("fill_ 0d", dt, v, type(e).__name__, e)
