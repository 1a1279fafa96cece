"""Training: the seed's procedure reproduced exactly, and the fast trainer's contract."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition.batches import CarryStreams, TrainingBatches, excluded_pairs
from gru_lesson.addition.seed_training import CORNERS, _seed_samples, seed_sgd_step
from gru_lesson.addition.train import History
from gru_lesson.engine.optim import Adam
from gru_lesson.engine.seed_reference import SEED_ORDER, seed_args, seed_iteration


@pytest.fixture(scope="module")
def seed_run():
    """The seed's experiment, shortened to 1,500 iterations (the threshold is 100% by then)."""
    return gl.train_seed(iterations=1500, seed=0, check_every=250, progress=False)


def test_train_is_the_function_even_after_importing_the_module():
    import gru_lesson.addition.train  # noqa: F401  (binds the submodule; gl.train must stay the function)

    assert callable(gl.train) and gl.train.__name__ == "train"
    assert callable(gl.train_seed)


def test_seed_step_equals_the_transcribed_matlab():
    """k iterations of the fast step give the same weights as k of seed_iteration, to 1e-12."""
    rng = np.random.default_rng(11)
    params = gl.init_params(2, 16, 1, bias=False, rng=rng)
    codes, targets = _seed_samples(rng, 60)
    ref = seed_args({k: v.copy() for k, v in params.items()})
    for k in range(60):
        ref, y_ref = seed_iteration(*ref, CORNERS[codes[k]], targets[k][:, None])
        E = seed_sgd_step(params, codes[k], targets[k])
        assert E == pytest.approx(0.5 * np.sum((y_ref[:, 0] - targets[k]) ** 2), rel=1e-12)
    for name, want in zip(SEED_ORDER, ref, strict=True):
        np.testing.assert_allclose(params[name], want, rtol=0, atol=1e-12, err_msg=name)


def test_train_seed_is_the_seed_procedure():
    """train_seed(k) = the seed's init, then k seed iterations on the seed's samples."""
    params, history = gl.train_seed(iterations=40, seed=5, check_every=0, progress=False)
    rng = np.random.default_rng(5)
    start = gl.init_params(2, 16, 1, bias=False, rng=rng)
    assert sorted(start) == sorted(params)                        # no biases, like the seed
    assert all(np.abs(v).max() <= 1 for v in start.values())     # uniform in [-1, 1]
    codes, targets = _seed_samples(rng, 40)
    ref = seed_args(start)
    for k in range(40):
        ref, _ = seed_iteration(*ref, CORNERS[codes[k]], targets[k][:, None], eta=0.1)
    for name, want in zip(SEED_ORDER, ref, strict=True):
        np.testing.assert_allclose(params[name], want, rtol=0, atol=1e-12)
    assert history.steps == 40 and history.checkpoints == [40]


def test_seed_samples_are_the_seeds_distribution():
    rng = np.random.default_rng(0)
    codes, targets = _seed_samples(rng, 5000)
    a = (codes & 1) @ (1 << np.arange(16))
    b = (codes >> 1) @ (1 << np.arange(16))
    c = targets.astype(np.int64) @ (1 << np.arange(16))
    assert a.min() >= 1 and b.min() >= 1 and max(a.max(), b.max()) <= 2 ** 15
    assert np.array_equal(a + b, c)                               # 16 bits hold every sum
    held = set(zip(*(v.tolist() for v in gl.held_out_pairs()), strict=True))
    assert not held & set(zip(a.tolist(), b.tolist(), strict=True))


def test_seed_decodings_differ_exactly_as_described(seed_run):
    params, history = seed_run
    acc = history.final_accuracy
    assert acc["threshold"] == 1.0
    assert acc["matlab_round"] < 1.0
    a, b = gl.held_out_pairs()
    x, d = gl.addition_batch(a, b)
    y, _ = gl.forward(params, x)
    y = y[:, :, 0]
    wrong = (gl.matlab_round(y) != d[:, :, 0]).any(axis=0)
    # every matlab_round failure starts with (0, 0) input pairs, where y is exactly 0.5 ...
    leading_zero = (a % 2 == 0) & (b % 2 == 0)
    assert np.array_equal(wrong, leading_zero)
    for n in np.flatnonzero(wrong):
        t = 0
        while x[t, n, 0] == 0 and x[t, n, 1] == 0:
            assert y[t, n] == 0.5
            t += 1
        assert (y[t:, n] != 0.5).all()
    # ... so the seed's decoding caps at the share of pairs that are not both even (about 3/4)
    assert acc["matlab_round"] == pytest.approx(1 - leading_zero.mean())
    assert history.accuracy["matlab_round"][-1] == acc["matlab_round"]


def test_seed_history_is_complete(seed_run):
    _, history = seed_run
    assert isinstance(history, History)
    assert history.steps == len(history.loss) == len(history.time) == 1500
    assert history.checkpoints == [250, 500, 750, 1000, 1250, 1500]
    assert all(len(v) == 6 for v in history.accuracy.values())
    assert set(history.accuracy) == {"threshold", "matlab_round"}
    assert np.all(np.diff(history.time) >= 0)
    assert history.solved_step in history.checkpoints
    assert np.mean(history.loss[-100:]) < np.mean(history.loss[:100]) / 10


def test_train_solves_and_records_history():
    params, history = gl.train(seed=0, progress=False)
    assert history.solved_step == history.steps == history.checkpoints[-1]
    assert history.final_accuracy == {"random": 1.0, "small": 1.0, "carry": 1.0}
    assert len(history.loss) == len(history.time) == history.steps
    assert set(history.accuracy) == {"random", "small", "carry"}
    assert all(len(v) == len(history.checkpoints) for v in history.accuracy.values())
    assert sorted(params) == sorted(gl.init_params(2, 16, 1))    # biases on
    assert gl.add(params, 65535, 1) == 65536


def test_train_is_deterministic():
    p1, h1 = gl.train(seed=3, max_steps=60, check_every=30, progress=False)
    p2, h2 = gl.train(seed=3, max_steps=60, check_every=30, progress=False)
    p3, _ = gl.train(seed=4, max_steps=60, check_every=30, progress=False)
    for k in p1:
        assert p1[k].tobytes() == p2[k].tobytes()
    assert h1.loss == h2.loss and h1.accuracy == h2.accuracy or np.isnan(h1.accuracy["carry"][0])
    assert any(p1[k].tobytes() != p3[k].tobytes() for k in p1)


def _adam_by_hand(params, grad_list, lr, beta2, scale, clip):
    """Adam written out per array, global-norm clipping first (the textbook loop)."""
    p = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    for t, grads in enumerate(grad_list, start=1):
        g = {k: scale * grads[k] for k in p}
        norm = np.sqrt(sum(np.sum(x * x) for x in g.values()))
        if clip is not None and norm > clip:
            g = {k: x * (clip / norm) for k, x in g.items()}
        for k in p:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = beta2 * v[k] + (1 - beta2) * g[k] ** 2
            p[k] -= lr * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - beta2 ** t)) + 1e-8)
    return p


@pytest.mark.parametrize("clip", [None, 1.0, 1e-3])
def test_adam_matches_the_textbook_loop(clip):
    rng = np.random.default_rng(0)
    params = gl.init_params(2, 5, 1, rng=rng)                     # non-square, biases
    grad_list = [{k: rng.normal(size=v.shape) * 10 for k, v in params.items()} for _ in range(4)]
    want = _adam_by_hand(params, grad_list, 0.04, 0.98, 1 / 64, clip)
    got = {k: v.copy() for k, v in params.items()}
    adam = Adam(got, 0.04, beta2=0.98)
    for grads in grad_list:
        adam.step(got, grads, scale=1 / 64, clip=clip)
    for k in params:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15)
    moved = max(np.abs(got[k] - params[k]).max() for k in params)
    assert moved > 1e-3                                           # Adam steps ~lr, clipped or not


def test_train_seed_is_deterministic():
    p1, _ = gl.train_seed(iterations=50, seed=1, check_every=0, progress=False)
    p2, _ = gl.train_seed(iterations=50, seed=1, check_every=0, progress=False)
    assert all(p1[k].tobytes() == p2[k].tobytes() for k in p1)


@pytest.mark.parametrize("trainer", ["train", "train_seed"])
def test_callback_every_step_and_early_stop(trainer):
    seen = []

    def callback(step, history):
        seen.append((step, history.steps))
        return step == 7

    if trainer == "train":
        _, history = gl.train(seed=0, progress=False, callback=callback)
    else:
        _, history = gl.train_seed(seed=0, progress=False, callback=callback)
    assert seen == [(k, k) for k in range(1, 8)]
    assert history.steps == 7 and history.checkpoints[-1] == 7    # measured where it stopped


def test_progress_bar_goes_to_stderr(capsys):
    gl.train(seed=0, max_steps=5, check_every=0, progress=True)
    gl.train_seed(iterations=5, check_every=0, progress=True)
    err = capsys.readouterr().err
    assert "train 16-bit" in err and "train_seed" in err
    gl.train(seed=0, max_steps=5, check_every=0, progress=False)
    assert capsys.readouterr().err == ""


def test_training_batches_never_hold_excluded_pairs():
    rng = np.random.default_rng(0)
    batches = TrainingBatches(16, 64, rng)
    banned = excluded_pairs(16)
    assert (7360, 30905) in banned and (65535, 1) in banned and (1, 1) not in banned
    # Force the first draw to be nothing but excluded pairs: every one must be replaced.
    real_draw = batches._draw
    first = [True]

    def draw(n):
        if first[0]:
            first[0] = False
            pick = [banned[i % len(banned)] for i in range(n)]
            a = np.array([gl.int_to_bits(p, 16) for p, _ in pick], dtype=np.int8)
            b = np.array([gl.int_to_bits(q, 16) for _, q in pick], dtype=np.int8)
            return a, b
        return real_draw(n)

    batches._draw = draw
    x, d = batches.next()
    weights = 1 << np.arange(17)
    a = x[:, :, 0].T.astype(np.int64) @ weights
    b = x[:, :, 1].T.astype(np.int64) @ weights
    assert not set(zip(a.tolist(), b.tolist(), strict=True)) & set(banned)
    assert np.array_equal(d[:, :, 0].T.astype(np.int64) @ weights, a + b)


def test_training_batches_have_long_chains_and_short_operands():
    batches = TrainingBatches(16, 512, np.random.default_rng(1))
    x, d = batches.next()
    a, b = x[:, :, 0], x[:, :, 1]
    propagate = (a + b == 1)
    longest = []
    for n in range(x.shape[1]):
        run = best = 0
        for t in range(x.shape[0]):
            run = run + 1 if propagate[t, n] else 0
            best = max(best, run)
        longest.append(best)
    assert max(longest) >= 14                                     # chains across 14+ bits
    top = np.array([np.flatnonzero(a[:, n] + b[:, n]).max(initial=-1) for n in range(512)])
    assert (top < 8).mean() > 0.3                                 # many short operands too


@pytest.mark.parametrize("kwargs", [dict(bits=0), dict(bits=2.5), dict(hidden_size=0),
                                    dict(seed=-1), dict(seed=1.5), dict(lr=0), dict(lr="fast"),
                                    dict(batch_size=0), dict(max_steps=0), dict(check_every=-5)])
def test_train_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        gl.train(progress=False, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(iterations=0), dict(seed=-1), dict(check_every=2.5)])
def test_train_seed_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        gl.train_seed(progress=False, **kwargs)


def test_carry_streams_hold_a_carry_across_minibatches():

    streams = CarryStreams(16, 17, 4, np.random.default_rng(0))
    runs = np.zeros(16, dtype=int)
    longest, carried = 0, 0
    for _ in range(60):
        carry_in = streams.carry.copy()
        fresh = streams.left == 0
        x, d, h0 = streams.next()
        assert x.shape == (17, 16, 2) and d.shape == (17, 16, 1) and h0.shape == (16, 4)
        assert np.all(h0[fresh] == 0)                            # a new run starts from h_0 = 0
        carried += int((carry_in[~fresh] == 1).sum())
        c = np.where(fresh, 0, carry_in)                         # the sums really continue
        for t in range(17):
            s = x[t, :, 0] + x[t, :, 1] + c
            assert np.array_equal(d[t, :, 0], s % 2)
            c = s // 2
        for t in range(17):
            prop = x[t, :, 0] + x[t, :, 1] == 1
            runs = np.where(prop, runs + 1, 0)
            longest = max(longest, runs.max())
        streams.h = np.ones((16, 4))                             # what the trainer stores
    assert longest >= 100 and carried > 0
