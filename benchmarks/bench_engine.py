"""Throughput of gl.loss_and_grads against torch.nn.GRU + torch.nn.Linear, in the same run.

Both sides do the same work per call: a forward pass over T steps for N sequences, the output
sigmoid, E = 1/2 sum (y - d)^2 summed over T, N, O, and the gradients of E with respect to
every parameter. One thread each: the BLAS thread variables are set before numpy is imported,
torch.set_num_threads(1), and threadpoolctl (when installed) limits and reports the BLAS.

    .venv/bin/python benchmarks/bench_engine.py            # the three sizes of issue 3
    .venv/bin/python benchmarks/bench_engine.py --quick    # fewer repeats, a smoke run

Columns: sequences per second (N / seconds per call), the median over repeats, for
  engine      the seed's GRU with biases (reset gate before the matmul)
  engine RA   the engine's reset-after variant (params["bhn"]), torch.nn.GRU's exact maths
  torch f32   torch.nn.GRU + Linear, float32 (torch's default)
  torch f64   the same in float64 (the engine's precision)
  reading     engine/gru.py, the plain reading engine (one step at a time), same maths
and the ratios engine / torch f32 and reading / torch f32. Before timing, the reset-after
engine and torch (float64, same weights) are checked to give the same E and gradients, so both
sides compute the same maths.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import gru_lesson as gl  # noqa: E402
from gru_lesson.engine import gru as reading  # noqa: E402
from gru_lesson.engine.losses import half_squared_error  # noqa: E402
from gru_lesson.torch_compat import grads_from_torch  # noqa: E402

SIZES = ((16, 64, 16), (16, 64, 64), (64, 256, 128))   # (T, N, H)
D, O = 2, 1


def blas_info():
    """threadpoolctl's view of the BLAS numpy uses, or a note that it is not installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (BLAS threads set by environment variables)"
    rows = [f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
            f"threads={i.get('num_threads')}" for i in threadpool_info()
            if i.get("user_api") == "blas"]
    return "; ".join(rows) or "no BLAS found by threadpoolctl"


def torch_step(gru, lin, xt, dt):
    """One forward + backward of E = 1/2 sum (sigmoid(Linear(GRU(x))) - d)^2."""
    gru.zero_grad(set_to_none=True)
    lin.zero_grad(set_to_none=True)
    hs, _ = gru(xt)
    y = lin(hs).sigmoid()
    E = 0.5 * ((y - dt) ** 2).sum()
    E.backward()
    return E


def check_same_maths(T, N, H, rng):
    """The reset-after engine and torch float64 agree on E and on every gradient (torch's mapped
    to our names by the one converter, torch_compat.grads_from_torch)."""
    import torch
    params = gl.init_params(D, H, O, rng=rng)
    params["bhn"] = rng.uniform(-1, 1, H)
    x = rng.integers(0, 2, (T, N, D)).astype(np.float64)
    d = rng.integers(0, 2, (T, N, O)).astype(np.float64)
    E, grads = gl.loss_and_grads(params, x, d)
    gru, lin = gl.to_torch(params, dtype="float64")
    Et = torch_step(gru, lin, torch.as_tensor(x), torch.as_tensor(d)).item()
    torch_grads = grads_from_torch(gru, lin)
    errs = (abs(E - Et) / abs(Et), *(gl.rel_error(grads[k], torch_grads[k]) for k in grads))
    if max(errs) > 1e-10:
        raise SystemExit(f"engine and torch disagree (rel. errors {errs}); not benchmarking")
    return max(errs)


def reading_loss_and_grads(params, x, d):
    """What gl.loss_and_grads computes, with the reading engine."""
    y, cache = reading.forward(params, x)
    E, dy = half_squared_error(y, d)
    return E, reading.backward(params, cache, dy)


def time_calls(fn, number):
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def bench_size(T, N, H, repeats, target_seconds, rng):
    import torch
    params = gl.init_params(D, H, O, rng=rng)
    params_ra = dict(params, bhn=rng.uniform(-1, 1, H))
    x = rng.integers(0, 2, (T, N, D)).astype(np.float64)
    d = rng.integers(0, 2, (T, N, O)).astype(np.float64)
    candidates = {
        "engine": lambda: gl.loss_and_grads(params, x, d),
        "engine RA": lambda: gl.loss_and_grads(params_ra, x, d),
        "reading": lambda: reading_loss_and_grads(params, x, d),
    }
    for name, dtype in (("torch f32", "float32"), ("torch f64", "float64")):
        gru, lin = gl.to_torch(params_ra, dtype=dtype)
        xt, dt = (torch.as_tensor(a, dtype=getattr(torch, dtype)) for a in (x, d))
        candidates[name] = (lambda g=gru, li=lin, a=xt, b=dt: torch_step(g, li, a, b))
    number = {}
    for name, fn in candidates.items():     # warm up, and pick calls per repeat
        fn()
        once = time_calls(fn, 3)
        number[name] = max(1, int(target_seconds / once))
    seconds = {name: [] for name in candidates}
    for _ in range(repeats):                # interleaved, so load changes hit every side alike
        for name, fn in candidates.items():
            seconds[name].append(time_calls(fn, number[name]))
    return {name: (N / statistics.median(s), N / min(s)) for name, s in seconds.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per size")
    parser.add_argument("--seconds", type=float, default=0.2, help="target seconds per repeat")
    parser.add_argument("--quick", action="store_true", help="3 repeats of 0.05 s (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.seconds = 3, 0.05

    try:
        import torch
    except ImportError:
        raise SystemExit("bench_engine.py compares with torch.nn.GRU: install torch 2.13.0 "
                         "(pip install -e .[torch]) and run it again") from None
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass

    rng = np.random.default_rng(0)
    err = check_same_maths(8, 4, 5, rng)
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}")
    print(f"numpy BLAS: {blas_info()}")
    print("load average at start (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"engine (reset-after) vs torch float64 on the same weights: max rel. error {err:.1e}")
    print(f"D={D}, O={O}; loss_and_grads (forward + E + backward); sequences/second, "
          f"median of {args.repeats} repeats (best in brackets)\n")
    names = ("engine", "engine RA", "torch f32", "torch f64", "reading")
    head = f"{'T':>3} {'N':>4} {'H':>4} | " + " | ".join(f"{n:>17}" for n in names)
    print(head + " | engine/f32 | RA/f32 | reading/f32")
    print("-" * len(head) + "-+------------+--------+------------")
    for T, N, H in SIZES:
        r = bench_size(T, N, H, args.repeats, args.seconds, rng)
        cells = " | ".join(f"{r[n][0]:>8.0f} ({r[n][1]:>6.0f})" for n in names)
        print(f"{T:>3} {N:>4} {H:>4} | {cells} | {r['engine'][0] / r['torch f32'][0]:>9.2f}x "
              f"| {r['engine RA'][0] / r['torch f32'][0]:>5.2f}x "
              f"| {r['reading'][0] / r['torch f32'][0]:>10.2f}x", flush=True)
    print("\nload average at end (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
