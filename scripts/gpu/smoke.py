"""Smoke test of a torch-like module on CUDA: one line per case, OK or the exception. Usage: smoke.py [impl|torch]"""
import importlib
import sys

torch = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "impl")
cases = {
 "ones": lambda: torch.ones(2, 3, device="cuda"),
 "add": lambda: torch.ones(2, 3, device="cuda") + torch.ones(3, device="cuda"),
 "add_scalar": lambda: torch.ones(2, 3, device="cuda") + 1.5,
 "sum": lambda: torch.arange(6., device="cuda").sum(),
 "sum1": lambda: torch.arange(6., device="cuda").view(2, 3).sum(1),
 "view": lambda: torch.arange(6., device="cuda").view(2, 3).t()[0],
 "matmul": lambda: torch.randn(3, 4, device="cuda") @ torch.randn(4, 2, device="cuda"),
 "to_cpu": lambda: torch.ones(2, device="cuda").cpu(),
 "to_cuda": lambda: torch.ones(2).cuda(),
 "mixed": lambda: torch.ones(2, device="cuda") + torch.ones(2),
 "numpy": lambda: torch.ones(2, device="cuda").numpy(),
 "index": lambda: torch.arange(6., device="cuda")[torch.tensor([0, 2], device="cuda")],
 "bool_index": lambda: torch.arange(6., device="cuda")[torch.arange(6, device="cuda") > 2],
 "grad": lambda: (lambda x: ((x * x).sum().backward(), x.grad)[1])(torch.ones(3, device="cuda", requires_grad=True)),
 "item": lambda: torch.ones(1, device="cuda").item(),
 "repr": lambda: repr(torch.arange(3., device="cuda")),
 "inv": lambda: torch.linalg.inv(torch.eye(3, device="cuda") * 2),
 "fill_": lambda: torch.zeros(3, device="cuda").fill_(2),
 "half": lambda: torch.ones(3, device="cuda", dtype=torch.float16) * 3,
}
for k, f in cases.items():
    try:
        print(k, "OK", f())
    except Exception as e:
        print(k, "EXC", type(e).__name__, str(e)[:300])
