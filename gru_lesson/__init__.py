"""gru_lesson: the GRU from its gate equations to a trained net that adds numbers.

    import gru_lesson as gl
    params = gl.init_params(2, 16, 1)
    y, cache = gl.forward(params, x)          # x: (T, N, D)

Importing is cheap: matplotlib, ipywidgets, tqdm and torch load only when a function needs them.
"""

from importlib import import_module

from .gradcheck import check_gradients, rel_error
from .gru import GRUCache, backward, backward_from_logits, forward
from .losses import loss_and_grads
from .params import init_params, validate_params

# `train` is both a module (train.py) and its main function. Importing the submodule binds the
# module as `gru_lesson.train`, hiding the lazy function, so both functions are bound eagerly
# (cheap: train.py needs only NumPy).
from .train import train, train_seed  # noqa: E402, F401

__version__ = "0.1.0"

# name -> module; loaded on first use so `import gru_lesson` stays fast.
_LAZY = {
    "int_to_bits": "data", "bits_to_int": "data", "addition_batch": "data",
    "held_out_pairs": "data", "carry_chain_pairs": "data", "random_pairs": "data",
    "train_seed": "train", "train": "train",
    "add": "adder", "add_details": "adder", "accuracy": "adder", "matlab_round": "adder",
    "load_pretrained": "weights", "save_params": "weights", "load_params": "weights",
    "from_torch": "torch_compat", "to_torch": "torch_compat",
    "rnn_init_params": "rnn", "rnn_forward": "rnn", "rnn_backward": "rnn",
    "rnn_backward_from_logits": "rnn", "rnn_loss_and_grads": "rnn", "RNNCache": "rnn",
    "carry_units": "analysis",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gru_lesson' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = ["init_params", "validate_params", "forward", "backward", "backward_from_logits",
           "GRUCache", "loss_and_grads", "check_gradients", "rel_error", *_LAZY]
