"""gru_lesson: the GRU from its gate equations to a trained net that adds numbers.

    import gru_lesson as gl
    params = gl.init_params(2, 16, 1)
    y, cache = gl.forward(params, x)          # x: (T, N, D)

``gl`` is the one public face; the package underneath has three layers, each importing only
from the layers above it in this list (a test checks it):

engine/      the book: the GRU's maths, nothing about adding numbers. Read it in this order:
    gru.py             the reading engine: step_forward, step_backward, forward, backward; one
                       equation a line, names as in the derivation (start here)
    activations.py     sigmoid, tanh and their derivatives from the outputs
    params.py          init_params, validate_params, the shapes of every weight
    losses.py          the seed's 1/2 sum (y - d)^2 and binary cross-entropy, loss_and_grads
    gradcheck.py       centred finite differences, rel_error, check_gradients
    seed_reference.py  the seed's MATLAB (data, forward, backward, update) line for line
    rnn.py             the plain (ungated) RNN, for the why-gates comparison
    fast.py            the same maths as gru.py arranged for speed, tested equal; gl.forward,
                       gl.backward and gl.loss_and_grads run it
    optim.py           Adam, the one optimiser every trainer uses
    checks.py          the argument validators every layer shares (one copy of each)
addition/    the task: binary addition, least significant bit first
    data.py            bits <-> ints, batches, the held-out and carry-chain pairs
    adder.py           gl.add, decoding, accuracy on many pairs
    analysis.py        which hidden units carry, and interventions on them
    verify.py          does it really add? hardest_sums (beam search), verify_exhaustive
    weights.py         save / load .npz weight files safely, the shipped net
    train.py           gl.train, the fast trainer (Adam, minibatches, checks, History)
    batches.py         its minibatches and carry streams
    seed_training.py   the seed's own per-sample procedure (gl.train_seed)
    ablation.py        the ladder from the seed's recipe to gl.train, one change per rung
teach/       what students look at
    plots.py, render.py, widgets.py    figures, HTML/SVG renderers, ipywidgets apps
    why_gates.py, compare_plots.py     the GRU against a plain RNN, and its plots
    source.py                          show_source: a function's real source, in a notebook
    verify_plots.py                    notebook 5's figures: where random tests look, the boxes
    diagrams.py                        the cell (built one equation at a time), the net
                                       unrolled, the BPTT graph, the two products

Beside the layers:
    exercises/      checkers.py, the exercises' checkers, and mistakes.py, the catalogue of
                    common mistakes; they use the engine to compute the right answer and
                    every named wrong one (inline.py: the checks of the lessons' "your turn"
                    cells)
    torch_compat.py the bridge to torch.nn.GRU (weights both ways, comparisons); it imports
                    only the engine, and torch only when called
    cli.py          ``python -m gru_lesson``: add, train, verify, reproduce-seed, gradcheck,
                    notebooks, lab
    course.py       the notebooks shipped in the wheel: copy them out, start JupyterLab

Importing is cheap: NumPy, matplotlib, ipywidgets, tqdm and torch load only when a name needs
them (so ``python -m gru_lesson`` can answer Ctrl-C quietly even while NumPy loads).
"""

from importlib import import_module

__version__ = "0.1.0"

# name -> module; loaded on first use so `import gru_lesson` stays fast.
_LAZY = {
    **dict.fromkeys(["init_params", "validate_params"], "engine.params"),
    **dict.fromkeys(["forward", "backward", "backward_from_logits", "GRUCache"], "engine.fast"),
    **dict.fromkeys(["loss_and_grads"], "engine.losses"),
    **dict.fromkeys(["check_gradients", "rel_error"], "engine.gradcheck"),
    **dict.fromkeys(["train"], "addition.train"),
    **dict.fromkeys(["train_seed"], "addition.seed_training"),
    **dict.fromkeys(["int_to_bits", "bits_to_int", "addition_batch", "held_out_pairs",
                     "carry_chain_pairs", "random_pairs"], "addition.data"),
    **dict.fromkeys(["add", "add_details", "accuracy", "matlab_round"], "addition.adder"),
    **dict.fromkeys(["load_pretrained", "save_params", "load_params"], "addition.weights"),
    **dict.fromkeys(["carry_units", "run_clamped", "clamped_sums"], "addition.analysis"),
    **dict.fromkeys(["hardest_sums", "verify_exhaustive", "failure_rate_bound",
                     "box_abstraction", "box_growth"], "addition.verify"),
    **dict.fromkeys(["from_torch", "to_torch"], "torch_compat"),
    **dict.fromkeys(["rnn_init_params", "rnn_forward", "rnn_backward",
                     "rnn_backward_from_logits", "rnn_loss_and_grads", "RNNCache"], "engine.rnn"),
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gru_lesson' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = list(_LAZY)
