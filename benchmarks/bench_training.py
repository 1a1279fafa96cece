"""Training and the adder: gl.train vs a torch.nn.GRU trainer, train_seed vs Octave, gl.add.

    .venv/bin/python benchmarks/bench_training.py            # all three, seeds 0..9 (~1 min)
    .venv/bin/python benchmarks/bench_training.py --seeds 3  # seeds 0..2 only

(a) Time to 100% exact sums on the held-out random pairs AND the carry-chain set, for
    gl.train and for the same recipe in PyTorch (torch.nn.GRU + nn.Linear, torch 2.13.0 CPU,
    float32, one thread, Adam with the same lr and beta2, the same gradient-norm clipping
    (torch.nn.utils.clip_grad_norm_), batch 64, BCE on the logits, the very same minibatches
    and carry streams, the same held-out check every 50 steps with the same algorithm: the
    pairs' prefix tree run depth by depth, torch's GRU stepping all nodes of a depth at once),
    seed by seed in the same run. Target: ours <= half torch's time. torch's own
    initialisation is kept.
(b) train_seed's time per iteration against the seed's MATLAB code in Octave 7.3 on this
    machine, 2.7 ms per iteration (README of the seed). Target: at least 4x faster.
(c) gl.add latency for a 16-bit sum. Target: under 1 ms.

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
FULL_CHECKS = {"torch random": [], "torch carry": []}    # seconds of torch's passing checks


def torch_train(seed, *, lr, beta2, clip, batch_size=64, bits=16, hidden_size=16,
                max_steps=MAX_STEPS, check_every=CHECK_EVERY):
    """gl.train's recipe in PyTorch. Returns (solved step or None, seconds)."""
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
    random_set = _torch_tree(PairScorer(*gl.held_out_pairs()))
    carry_set = _torch_tree(PairScorer(*gl.carry_chain_pairs()))

    def all_exact(levels, name):
        """gl's prefix-tree check with torch's GRU: one GRU step per depth for all its nodes,
        each from its parent's hidden state; stops at the first wrong pair."""
        t = time.perf_counter()
        with torch.no_grad():
            h = torch.zeros(1, 1, hidden_size)
            bad = np.zeros(1, dtype=bool)
            for parent, parent_t, x, target, end_node in levels:
                out, h = gru(x, h[:, parent_t])
                logits = head(out[0])[:, 0].numpy()
                bad = ((logits > 0) != target) | bad[parent]     # y > 0.5  <=>  logit > 0
                if bad[end_node].any():
                    return False
        FULL_CHECKS[f"torch {name}"].append(time.perf_counter() - t)   # a check run to the end
        return True

    start = time.perf_counter()
    for step in range(1, max_steps + 1):
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
        if check_every and step % check_every == 0 and all_exact(random_set, "random") and \
                all_exact(carry_set, "carry"):
            return step, time.perf_counter() - start
    return None, time.perf_counter() - start


def _torch_tree(scorer):
    """A PairScorer's prefix tree as torch inputs: per depth (parent, parent as a tensor,
    x (1, n, 2) float32, target, the nodes where pairs end)."""
    import torch

    corners = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    return [(parent, torch.from_numpy(parent), corners[torch.from_numpy(code)][None], target,
             end_node) for parent, code, target, _, end_node in scorer.levels]


def ours_train(seed):
    params, history = gl.train(seed=seed, max_steps=MAX_STEPS, check_every=CHECK_EVERY,
                               progress=False)
    return history.solved_step, history.time[-1], params


def ours_check_costs(params, repeats=20):
    """Median seconds of gl.train's two checks (full accuracy, no early exit) on a net."""
    out = {}
    for name, pairs in (("random", gl.held_out_pairs()), ("carry", gl.carry_chain_pairs())):
        scorer = PairScorer(*pairs)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            scorer.accuracy(params)
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
    return out


def bench_train(seeds):
    import torch

    torch.set_num_threads(1)
    lr = gl.train.__kwdefaults__["lr"]
    recipe = dict(lr=lr, beta2=ADAM_BETA2, clip=GRAD_CLIP)
    print(f"(a) time to 100% held-out (random and carry-chain), Adam lr {lr}, beta2 "
          f"{ADAM_BETA2}, gradient-norm clip {GRAD_CLIP}, batch 64, check every {CHECK_EVERY} "
          f"steps")
    print(f"{'seed':>4}  {'ours steps':>10} {'ours s':>7}  {'torch steps':>11} {'torch s':>8}  "
          f"{'torch/ours':>10}")
    rows = []
    for seed in seeds:
        s_ours, t_ours, params = ours_train(seed)
        s_torch, t_torch = torch_train(seed, **recipe)
        rows.append((seed, s_ours, t_ours, s_torch, t_torch))
        print(f"{seed:>4}  {_steps(s_ours):>10} {t_ours:>7.2f}  {_steps(s_torch):>11} "
              f"{t_torch:>8.2f}  {t_torch / t_ours:>9.1f}x", flush=True)
    ours_step = torch_step = float("inf")                       # best of 3 runs of 300 steps
    for _ in range(3):
        _, h = gl.train(seed=0, max_steps=301, check_every=0, progress=False)
        ours_step = min(ours_step, (h.time[-2] - h.time[0]) / 299)  # the last step has a check
        _, t = torch_train(0, **recipe, max_steps=300, check_every=0)
        torch_step = min(torch_step, t / 300)
    print(f"one training step (no checks, best of 3 x 300): ours {1e3 * ours_step:.2f} ms, "
          f"torch {1e3 * torch_step:.2f} ms -> {torch_step / ours_step:.1f}x")
    ours = ours_check_costs(params)
    torch_ms = {k: 1e3 * statistics.median(v) if v else float("nan")
                for k, v in FULL_CHECKS.items()}
    print(f"one held-out check on a solved net (prefix tree, median): random pairs ours "
          f"{1e3 * ours['random']:.1f} ms, torch {torch_ms['torch random']:.1f} ms; carry set "
          f"ours {1e3 * ours['carry']:.1f} ms, torch {torch_ms['torch carry']:.1f} ms")
    ok_ours = sum(r[1] is not None for r in rows)
    ok_torch = sum(r[3] is not None for r in rows)
    t_ours = [r[2] for r in rows]
    t_torch = [r[4] for r in rows]
    print(f"solved: ours {ok_ours}/{len(rows)}, torch {ok_torch}/{len(rows)} "
          f"(unsolved runs count their full {MAX_STEPS} steps)")
    print(f"total: ours {sum(t_ours):.1f} s, torch {sum(t_torch):.1f} s, "
          f"ratio {sum(t_torch) / sum(t_ours):.1f}x; median per seed: ours "
          f"{statistics.median(t_ours):.2f} s, torch {statistics.median(t_torch):.2f} s")
    return rows


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 for (a) (default 10)")
    ap.add_argument("--skip-torch", action="store_true", help="only (b) and (c)")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}, "
          f"NumPy {np.__version__}")
    if not args.skip_torch:
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
        bench_train(range(args.seeds))
    bench_seed()
    bench_add()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
