"""Training and the adder: gl.train vs a torch.nn.GRU trainer, train_seed vs Octave, gl.add.

    .venv/bin/python benchmarks/bench_training.py              # (a)-(c), seeds 0..9 (~2 min)
    .venv/bin/python benchmarks/bench_training.py --seeds 3    # seeds 0..2 only
    .venv/bin/python benchmarks/bench_training.py --exactness 20 --skip-torch   # (d) only

(a) Time to an exact net. Ours: gl.train(seed=s) as a user runs it, wall time of the training
    loop including every validation check it makes to decide when to stop (1,000 random pairs,
    the small sums, the carry chains, the hardest-sums margin). torch: the same recipe in
    PyTorch (torch.nn.GRU + nn.Linear, torch 2.13.0 CPU, float32, one thread, Adam with the
    same lr and beta2, the same gradient-norm clipping (torch.nn.utils.clip_grad_norm_),
    batch 64, BCE on the logits, the very same minibatches and carry streams), trained until it
    is exact on 100,000 fresh random 16-bit pairs, checked every 50 steps; its training time
    counts, its checks do not. Both nets are then tested on the same 100,000 fresh pairs and
    2,000 random 64-bit pairs. Target: the median of ours over seeds 0..9 <= half torch's.
(b) train_seed's time per iteration against the seed's MATLAB code in Octave 7.3 on this
    machine, 2.7 ms per iteration (README of the seed). Target: at least 4x faster.
(c) gl.add latency for a 16-bit sum. Target: under 1 ms.
(d) --exactness N: gl.train for seeds 0..N-1, each net tested on 100,000 fresh random 16-bit
    sums and 2,000 random 64-bit sums (the issue's bar: every seed 0..19 exact on both).

Every library runs on one thread (BLAS included), so the figures compare code, not cores.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"                     # before NumPy loads its BLAS

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import gru_lesson as gl  # noqa: E402
from gru_lesson.addition.adder import PairScorer  # noqa: E402
from gru_lesson.addition.batches import CarryStreams, TrainingBatches  # noqa: E402
from gru_lesson.addition.seed_training import _seed_samples, seed_sgd_step  # noqa: E402
from gru_lesson.addition.train import ADAM_BETA2, GRAD_CLIP, STREAM_FRACTION  # noqa: E402

OCTAVE_MS_PER_ITERATION = 2.7
CHECK_EVERY = 50
MAX_STEPS = 5000
FRESH_16, FRESH_64 = 100_000, 2_000       # the fresh test pairs of (a) and (d)


def fresh_pairs(seed):
    """The fresh test sets of a seed: 100,000 random 16-bit and 2,000 random 64-bit pairs, from
    generators no training run uses."""
    return (gl.random_pairs(FRESH_16, 16, 10_000 + seed),
            gl.random_pairs(FRESH_64, 64, 20_000 + seed))


def wrong_counts(params, fresh):
    """How many of the fresh 16-bit and 64-bit pairs the net gets wrong."""
    return tuple(int((~PairScorer(*pairs).exact(params)["threshold"]).sum()) for pairs in fresh)


def torch_train(seed, fresh_16=None, *, lr, beta2, clip, batch_size=64, bits=16,
                hidden_size=16, max_steps=MAX_STEPS, check_every=CHECK_EVERY):
    """gl.train's recipe in PyTorch, trained until exact on the pairs ``fresh_16`` (checked every
    check_every steps, not timed). Returns (solved step or None, training seconds, predict)
    where predict(a, b) gives the net's exact-sum booleans on a prefix tree."""
    import torch

    torch.manual_seed(seed)
    gru = torch.nn.GRU(2, hidden_size)
    head = torch.nn.Linear(hidden_size, 1)
    weights = [*gru.parameters(), *head.parameters()]
    opt = torch.optim.Adam(weights, lr=lr, betas=(0.9, beta2))
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    # Same seed, same minibatches as gl.train (which draws its init from the generator first),
    # carry streams included: their hidden state carries over, detached.
    rng = np.random.default_rng(seed)
    gl.init_params(2, hidden_size, 1, rng=rng)
    n_streams = int(round(STREAM_FRACTION * batch_size))
    batches = TrainingBatches(bits, batch_size - n_streams, rng)
    streams = CarryStreams(n_streams, bits + 1, hidden_size, rng)

    def exact(scorer, tree=None):
        """gl's prefix-tree check with torch's GRU: one GRU step per depth for all its nodes,
        each from its parent's hidden state. Boolean array: is each pair exact?"""
        ok = np.zeros(scorer.size, dtype=bool)
        with torch.no_grad():
            h = torch.zeros(1, 1, hidden_size)
            bad = np.zeros(1, dtype=bool)
            for parent, code, target, ending, end_node in tree or _torch_tree(scorer):
                out, h = gru(code, h[:, torch.from_numpy(parent)])
                logits = head(out[0])[:, 0].numpy()
                bad = ((logits > 0) != target) | bad[parent]     # y > 0.5  <=>  logit > 0
                ok[ending] = ~bad[end_node]
        return ok

    check_set = PairScorer(*fresh_16) if fresh_16 is not None else None
    check_tree = _torch_tree(check_set) if check_set is not None else None
    trained = 0.0
    solved = None
    for step in range(1, max_steps + 1):
        t = time.perf_counter()
        x, d = batches.next()
        xs, ds, hs = streams.next()
        x = np.concatenate([x, xs], axis=1)
        d = np.concatenate([d, ds], axis=1)
        h0 = np.concatenate([np.zeros((batch_size - n_streams, hidden_size)), hs])
        out, _ = gru(torch.from_numpy(x).float(), torch.from_numpy(h0[None]).float())
        streams.h = out[-1, batch_size - n_streams:].detach().double().numpy()
        loss = loss_fn(head(out), torch.from_numpy(d).float()) / batch_size
        opt.zero_grad()
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(weights, clip)
        opt.step()
        trained += time.perf_counter() - t
        if check_set is not None and check_every and step % check_every == 0 and \
                exact(check_set, check_tree).all():           # not timed
            solved = step
            break
    return solved, trained, exact


def _torch_tree(scorer):
    """A PairScorer's prefix tree as torch inputs: per depth (parent, x (1, n, 2) float32,
    target, the pairs ending there, their nodes)."""
    import torch

    corners = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return [(parent, corners[torch.from_numpy(code)][None], target, ending, end_node)
            for parent, code, target, ending, end_node in scorer.levels]


def ours_train(seed):
    params, history = gl.train(seed=seed, max_steps=MAX_STEPS, check_every=CHECK_EVERY,
                               progress=False)
    return history.solved_step, history.time[-1], params


def bench_train(seeds):
    import torch

    torch.set_num_threads(1)
    lr = gl.train.__kwdefaults__["lr"]
    recipe = dict(lr=lr, beta2=ADAM_BETA2, clip=GRAD_CLIP)
    print(f"(a) time to an exact net: ours = gl.train as it is (validation checks included); "
          f"torch = the same recipe (Adam lr {lr}, beta2 {ADAM_BETA2}, clip {GRAD_CLIP}, batch "
          f"64) until exact on {FRESH_16:,} fresh 16-bit pairs (checked every {CHECK_EVERY} "
          f"steps, not timed). Both then tested on those pairs and {FRESH_64:,} 64-bit pairs.")
    gl.train(seed=0, max_steps=1, progress=False)          # build the check sets once, untimed
    print(f"{'seed':>4}  {'ours steps':>10} {'ours s':>7} {'wrong':>7}  {'torch steps':>11} "
          f"{'torch s':>8} {'wrong':>7}  {'ours/torch':>10}")
    rows = []
    for seed in seeds:
        fresh = fresh_pairs(seed)
        s_ours, t_ours, params = ours_train(seed)
        w_ours = wrong_counts(params, fresh)
        s_torch, t_torch, exact = torch_train(seed, fresh[0], **recipe)
        w_torch = tuple(int((~exact(PairScorer(*pairs))).sum()) for pairs in fresh)
        rows.append((seed, s_ours, t_ours, s_torch, t_torch, w_ours, w_torch))
        print(f"{seed:>4}  {_steps(s_ours):>10} {t_ours:>7.2f} {_wrong(w_ours):>7}  "
              f"{_steps(s_torch):>11} {t_torch:>8.2f} {_wrong(w_torch):>7}  "
              f"{t_ours / t_torch:>9.2f}x", flush=True)
    ours_step = torch_step = float("inf")                       # best of 3 runs of 300 steps
    for _ in range(3):
        _, h = gl.train(seed=0, max_steps=301, check_every=0, progress=False)
        ours_step = min(ours_step, (h.time[-2] - h.time[0]) / 299)  # the last step has a check
        _, t, _ = torch_train(0, **recipe, max_steps=300, check_every=0)
        torch_step = min(torch_step, t / 300)
    print(f"one training step (no checks, best of 3 x 300): ours {1e3 * ours_step:.2f} ms, "
          f"torch {1e3 * torch_step:.2f} ms -> torch/ours {torch_step / ours_step:.1f}x")
    t_ours = [r[2] for r in rows]
    t_torch = [r[4] for r in rows]
    ok_ours = sum(r[1] is not None and r[5] == (0, 0) for r in rows)
    ok_torch = sum(r[3] is not None and r[6][0] == 0 for r in rows)
    print(f"exact nets: ours {ok_ours}/{len(rows)} (on both fresh sets), torch {ok_torch}/"
          f"{len(rows)} (on the 16-bit pairs it was trained to pass); unsolved runs count their "
          f"full {MAX_STEPS} steps")
    print(f"median per seed: ours {statistics.median(t_ours):.2f} s, torch "
          f"{statistics.median(t_torch):.2f} s -> ours/torch "
          f"{statistics.median(t_ours) / statistics.median(t_torch):.2f} (target <= 0.5); "
          f"total ours {sum(t_ours):.1f} s, torch {sum(t_torch):.1f} s")
    return rows


def bench_exactness(n_seeds):
    """(d): every seed's gl.train net on fresh 16-bit and 64-bit sums."""
    print(f"(d) gl.train, seeds 0..{n_seeds - 1}, each net on {FRESH_16:,} fresh random 16-bit "
          f"and {FRESH_64:,} random 64-bit sums")
    exact = 0
    for seed in range(n_seeds):
        params, history = gl.train(seed=seed, max_steps=MAX_STEPS, progress=False)
        w16, w64 = wrong_counts(params, fresh_pairs(seed))
        exact += (w16, w64) == (0, 0)
        margin = history.margin[-1] if history.margin else float("nan")
        print(f"    seed {seed:>2}: stopped at step {_steps(history.solved_step):>4}, "
              f"hardest-sum margin {margin:5.2f}; wrong: {w16} of {FRESH_16:,} 16-bit, {w64} of "
              f"{FRESH_64:,} 64-bit", flush=True)
    print(f"    exact on both: {exact} of {n_seeds} seeds")


def bench_seed(repeats=5, iterations=2000):
    rng = np.random.default_rng(0)
    params = gl.init_params(2, 16, 1, bias=False, rng=rng)
    codes, targets = _seed_samples(rng, iterations)
    best = float("inf")
    for _ in range(repeats):
        p = {k: v.copy() for k, v in params.items()}
        t = time.perf_counter()
        for k in range(iterations):
            seed_sgd_step(p, codes[k], targets[k])
        best = min(best, (time.perf_counter() - t) / iterations)
    t = time.perf_counter()
    _, history = gl.train_seed(progress=False)
    full = time.perf_counter() - t
    print(f"(b) train_seed: {1e3 * best:.3f} ms per iteration (best of {repeats} x {iterations}); "
          f"Octave {OCTAVE_MS_PER_ITERATION} ms -> {OCTAVE_MS_PER_ITERATION / (1e3 * best):.1f}x "
          f"faster")
    print(f"    full gl.train_seed(): 10,000 iterations + {len(history.checkpoints)} checkpoints "
          f"(both decodings on 1,000 pairs) in {full:.2f} s; Octave ~27 s; final "
          f"threshold {history.final_accuracy['threshold']:.1%}, matlab_round "
          f"{history.final_accuracy['matlab_round']:.1%}")


def bench_add(calls=2000):
    params = gl.load_pretrained()
    results = {}
    for name, (a, b) in {"16-bit": (40503, 61234), "256-bit": (2 ** 256 - 12345, 2 ** 255 + 7)
                         }.items():
        times = []
        for _ in range(calls):
            t = time.perf_counter()
            gl.add(params, a, b)
            times.append(time.perf_counter() - t)
        results[name] = (statistics.median(times), min(times))
    t16, t256 = results["16-bit"], results["256-bit"]
    print(f"(c) gl.add: 16-bit sum median {1e3 * t16[0]:.3f} ms (best {1e3 * t16[1]:.3f} ms); "
          f"256-bit sum median {1e3 * t256[0]:.3f} ms")


def _steps(s):
    return "-" if s is None else str(s)


def _wrong(w):
    return f"{w[0]}+{w[1]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 for (a) (default 10)")
    ap.add_argument("--skip-torch", action="store_true", help="no (a)")
    ap.add_argument("--exactness", type=int, default=0, metavar="N",
                    help="(d) for seeds 0..N-1 (default: not run)")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}, "
          f"NumPy {np.__version__}")
    if not args.skip_torch:
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
        bench_train(range(args.seeds))
    if args.exactness:
        bench_exactness(args.exactness)
    if args.exactness and args.skip_torch:
        return
    bench_seed()
    bench_add()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
