"""Optimisers that update a parameter dict in place. One Adam for every trainer in the package."""

import numpy as np


class Adam:
    """Adam (Kingma & Ba) with the usual defaults; updates ``params`` in place.

    The moments of all parameters live in one flat vector, so a step is a dozen NumPy calls
    whatever the number of weight arrays (element by element, the same arithmetic as a loop
    over the arrays).
    """

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.keys = list(params)
        ends = np.cumsum([params[k].size for k in self.keys]).tolist()
        self.slices = {k: slice(e - params[k].size, e)
                       for k, e in zip(self.keys, ends, strict=True)}
        self.m = np.zeros(ends[-1])                   # first moment, all parameters end to end
        self.v = np.zeros(ends[-1])                   # second moment
        self.t = 0

    def step(self, params, grads, scale=1.0, clip=None):
        """One update with the gradient grads * scale, first rescaled to global norm <= clip."""
        g = np.concatenate([grads[k].ravel() for k in self.keys])
        if clip is not None:
            norm = scale * np.sqrt(np.dot(g, g))
            if norm > clip:
                scale *= clip / norm
        g *= scale
        self.t += 1
        c1 = 1 - self.beta1 ** self.t
        c2 = 1 - self.beta2 ** self.t
        m, v = self.m, self.v
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        update = self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        for k in self.keys:
            p = params[k]
            p -= update[self.slices[k]].reshape(p.shape)
