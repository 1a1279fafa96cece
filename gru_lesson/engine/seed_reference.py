"""The seed's MATLAB (../shared/seed/GRUtest.m), transcribed line for line into NumPy.

This is the reference the engine is tested against and the code the notebooks show next to
the derivation. It works on one sequence at a time, exactly like the seed: MATLAB's row t
(1-based) is Python's row t - 1; ``A'*B`` between row vectors is ``np.outer(A, B)``.
It is deliberately *not* fast or vectorized: read it, don't train with it.

Each function takes the seed's variable names. ``xvalues`` is (uNum, xdim), ``d`` is
(uNum, ydim); the weights are Wy (hdim, ydim), Wr/W/Wz (xdim, hdim), Ur/U/Uz (hdim, hdim).

The data section comes first: ``seed_sample`` builds one training sample from aInt and bInt as
the ``for p=1:10000`` loop does (% 初始化训练数据, then the lines after ``randi``), and
``seed_error`` / ``seed_decode`` are its last lines (the printed error and the decoded sum).
"""

import numpy as np


def sigmoid(x):                       # f=1./(1+exp(-x));
    return 1.0 / (1.0 + np.exp(-x))


def diffsigmoid(f):                   # fd=f.*(1-f);
    return f * (1 - f)


def outTanh(x):                       # g=1-2./(1+exp(2*x));
    return 1 - 2.0 / (1 + np.exp(2 * x))


def diffoutTanh(g):                   # gd=1-g.^2;
    return 1 - g ** 2


# ------------------------------------------------------------------------- the data section

SEED_UNUM = 16                        # uNum=16;%单元个数
SEED_MAXINT = 2 ** SEED_UNUM          # maxInt=2^uNum;


def dec2bin(n):                       # dec2bin(n)-'0': the digits of n, most significant first
    return np.array([int(ch) for ch in format(int(n), "b")])


def seed_sample(aInt, bInt, uNum=SEED_UNUM):
    """One sample as the seed builds it from aInt, bInt (drawn by ``randi(maxInt/2)``).

    Returns xvalues (uNum, 2) and d (uNum, 1), LSB first. Like MATLAB, the assignment
    ``c(1:size(ct,2))=...`` grows c when the sum has more than uNum bits: then d has one row
    more than xvalues (aInt = bInt = 2^15 gives a 17-bit sum), and nothing fails until
    ``seed_error``.
    """
    cInt = aInt + bInt                # cInt=aInt+bInt;
    at = dec2bin(aInt)                # at=dec2bin(aInt)-'0';
    bt = dec2bin(bInt)                # bt=dec2bin(bInt)-'0';
    ct = dec2bin(cInt)                # ct=dec2bin(cInt)-'0';
    a = np.zeros(uNum)                # a=zeros(1,uNum);
    b = np.zeros(uNum)                # b=zeros(1,uNum);
    c = np.zeros(uNum)                # c=zeros(1,uNum);
    a = _assign_grow(a, at[::-1])     # a(1:size(at,2))=at(end:-1:1);
    b = _assign_grow(b, bt[::-1])     # b(1:size(bt,2))=bt(end:-1:1);
    c = _assign_grow(c, ct[::-1])     # c(1:size(ct,2))=ct(end:-1:1);
    xvalues = np.stack([a, b]).T      # xvalues=[a;b]';
    d = c[:, None]                    # d=c';
    return xvalues, d


def _assign_grow(v, values):
    """MATLAB's v(1:n)=values: writes the first n entries, growing v with zeros if n > size."""
    if values.size > v.size:
        v = np.concatenate([v, np.zeros(values.size - v.size)])
    v = v.copy()
    v[:values.size] = values
    return v


def seed_error(yvalues, d):
    """error = (norm(yvalues-d,2))/2.0; -- half the 2-norm of y - d (not 1/2 the squared norm
    that the gradients follow). MATLAB stops here when the shapes differ (a 17-bit sum)."""
    if yvalues.shape != d.shape:
        raise ValueError(f"nonconformant arguments (op1 is {yvalues.shape[0]}x{yvalues.shape[1]}"
                         f", op2 is {d.shape[0]}x{d.shape[1]}), as Octave says for yvalues-d")
    return np.linalg.norm(yvalues - d, 2) / 2.0


def seed_decode(yvalues):
    """yvalues=round(yvalues(end:-1:1)); y=bin2dec(int2str(yvalues')); -- MATLAB's round,
    halves away from zero (so y = 0.5 reads as 1)."""
    bits = np.floor(yvalues[::-1, 0] + 0.5).astype(int)     # round() for 0 <= y <= 1
    return int("".join(str(v) for v in bits), 2)


# ------------------------------------------------------------------------- forward, backward

def seed_forward(Wy, Wr, Ur, W, U, Wz, Uz, xvalues):
    """% 前向计算 (forward). Returns rvalues, zvalues (uNum+1 rows, the last one stays 0 as in
    the seed), hbarvalues, hvalues, yvalues."""
    uNum, hdim, ydim = xvalues.shape[0], Ur.shape[0], Wy.shape[1]
    rvalues = np.zeros((uNum + 1, hdim))
    zvalues = np.zeros((uNum + 1, hdim))
    hbarvalues = np.zeros((uNum, hdim))
    hvalues = np.zeros((uNum, hdim))
    yvalues = np.zeros((uNum, ydim))
    # rvalues(1,:)=sigmoid(xvalues(1,:)*Wr);
    rvalues[0] = sigmoid(xvalues[0] @ Wr)
    # hbarvalues(1,:)=outTanh(xvalues(1,:)*W);
    hbarvalues[0] = outTanh(xvalues[0] @ W)
    # zvalues(1,:)=sigmoid(xvalues(1,:)*Wz);
    zvalues[0] = sigmoid(xvalues[0] @ Wz)
    # hvalues(1,:)=zvalues(1,:).*hbarvalues(1,:);
    hvalues[0] = zvalues[0] * hbarvalues[0]
    # yvalues(1,:)=sigmoid(hvalues(1,:)*Wy);
    yvalues[0] = sigmoid(hvalues[0] @ Wy)
    for t in range(2, uNum + 1):      # for t=2:uNum
        i = t - 1
        # rvalues(t,:)=sigmoid(xvalues(t,:)*Wr+hvalues(t-1,:)*Ur);
        rvalues[i] = sigmoid(xvalues[i] @ Wr + hvalues[i - 1] @ Ur)
        # hbarvalues(t,:)=outTanh(xvalues(t,:)*W+(rvalues(t,:).*hvalues(t-1,:))*U);
        hbarvalues[i] = outTanh(xvalues[i] @ W + (rvalues[i] * hvalues[i - 1]) @ U)
        # zvalues(t,:)=sigmoid(xvalues(t,:)*Wz+hvalues(t-1,:)*Uz);
        zvalues[i] = sigmoid(xvalues[i] @ Wz + hvalues[i - 1] @ Uz)
        # hvalues(t,:)=(1-zvalues(t,:)).*hvalues(t-1,:)+zvalues(t,:).*hbarvalues(t,:);
        hvalues[i] = (1 - zvalues[i]) * hvalues[i - 1] + zvalues[i] * hbarvalues[i]
        # yvalues(t,:)=sigmoid(hvalues(t,:)*Wy);
        yvalues[i] = sigmoid(hvalues[i] @ Wy)
    return rvalues, zvalues, hbarvalues, hvalues, yvalues


def seed_backward(Wy, Wr, Ur, W, U, Wz, Uz, xvalues, d,
                  rvalues, zvalues, hbarvalues, hvalues, yvalues):
    """% 误差反向传播 (backpropagation): the t = uNum..2 loop, then the special t = 1 step.
    Returns dWy, dWr, dUr, dW, dU, dWz, dUz (gradients of E = 1/2 sum (y - d)^2)."""
    uNum, hdim = xvalues.shape[0], Ur.shape[0]
    delta_r_next = np.zeros(hdim)
    delta_z_next = np.zeros(hdim)
    delta_h_next = np.zeros(hdim)
    delta_next = np.zeros(hdim)
    dWy, dWr, dUr = np.zeros(Wy.shape), np.zeros(Wr.shape), np.zeros(Ur.shape)
    dW, dU, dWz, dUz = np.zeros(W.shape), np.zeros(U.shape), np.zeros(Wz.shape), np.zeros(Uz.shape)
    for t in range(uNum, 1, -1):      # for t=uNum:-1:2
        i = t - 1
        # delta_y=(yvalues(t,:)-d(t,:)).*diffsigmoid(yvalues(t,:));
        delta_y = (yvalues[i] - d[i]) * diffsigmoid(yvalues[i])
        # delta_h=delta_y*Wy'+delta_z_next*Uz'+delta_next*U'.*rvalues(t+1,:)
        #         +delta_r_next*Ur'+delta_h_next.*(1-zvalues(t+1,:));
        delta_h = (delta_y @ Wy.T + delta_z_next @ Uz.T + (delta_next @ U.T) * rvalues[i + 1]
                   + delta_r_next @ Ur.T + delta_h_next * (1 - zvalues[i + 1]))
        # delta_z=delta_h.*(hbarvalues(t,:)-hvalues(t-1,:)).*diffsigmoid(zvalues(t,:));
        delta_z = delta_h * (hbarvalues[i] - hvalues[i - 1]) * diffsigmoid(zvalues[i])
        # delta =delta_h.*zvalues(t,:).*diffoutTanh(hbarvalues(t,:));
        delta = delta_h * zvalues[i] * diffoutTanh(hbarvalues[i])
        # delta_r=hvalues(t-1,:).*((delta_h.*zvalues(t,:).*diffoutTanh(hbarvalues(t,:)))*U')
        #         .*diffsigmoid(rvalues(t,:));
        delta_r = (hvalues[i - 1] * ((delta_h * zvalues[i] * diffoutTanh(hbarvalues[i])) @ U.T)
                   * diffsigmoid(rvalues[i]))
        # dWy=dWy+hvalues(t,:)'*delta_y;
        dWy = dWy + np.outer(hvalues[i], delta_y)
        # dWz=dWz+xvalues(t,:)'*delta_z;
        dWz = dWz + np.outer(xvalues[i], delta_z)
        # dUz=dUz+hvalues(t-1,:)'*delta_z;
        dUz = dUz + np.outer(hvalues[i - 1], delta_z)
        # dW =dW+xvalues(t,:)'*delta;
        dW = dW + np.outer(xvalues[i], delta)
        # dU =dU+(rvalues(t,:).*hvalues(t-1,:))'*delta ;
        dU = dU + np.outer(rvalues[i] * hvalues[i - 1], delta)
        # dWr=dWr+xvalues(t,:)'*delta_r;
        dWr = dWr + np.outer(xvalues[i], delta_r)
        # dUr=dUr+hvalues(t-1,:)'*delta_r;
        dUr = dUr + np.outer(hvalues[i - 1], delta_r)
        delta_r_next = delta_r
        delta_z_next = delta_z
        delta_h_next = delta_h
        delta_next = delta
    # t=1;  (h_0 = 0, so the terms through h_{t-1} vanish and dUz, dU, dUr get nothing)
    i = 0
    delta_y = (yvalues[i] - d[i]) * diffsigmoid(yvalues[i])
    delta_h = (delta_y @ Wy.T + delta_z_next @ Uz.T + (delta_next @ U.T) * rvalues[i + 1]
               + delta_r_next @ Ur.T + delta_h_next * (1 - zvalues[i + 1]))
    # delta_z=delta_h.*(hbarvalues(t,:)-0).*diffsigmoid(zvalues(t,:));
    delta_z = delta_h * (hbarvalues[i] - 0) * diffsigmoid(zvalues[i])
    delta = delta_h * zvalues[i] * diffoutTanh(hbarvalues[i])
    # delta_r=0.*((delta_h.*zvalues(t,:).*diffoutTanh(hbarvalues(t,:)))*U')
    #         .*diffsigmoid(rvalues(t,:));
    delta_r = (0 * ((delta_h * zvalues[i] * diffoutTanh(hbarvalues[i])) @ U.T)
               * diffsigmoid(rvalues[i]))
    dWy = dWy + np.outer(hvalues[i], delta_y)
    dWz = dWz + np.outer(xvalues[i], delta_z)
    dW = dW + np.outer(xvalues[i], delta)
    dWr = dWr + np.outer(xvalues[i], delta_r)
    return dWy, dWr, dUr, dW, dU, dWz, dUz


def seed_iteration(Wy, Wr, Ur, W, U, Wz, Uz, xvalues, d, eta=0.1):
    """One pass of the seed's ``for p=1:10000`` body: forward, backward, SGD update.
    Returns the updated (Wy, Wr, Ur, W, U, Wz, Uz) and yvalues (before the update)."""
    r, z, hbar, h, y = seed_forward(Wy, Wr, Ur, W, U, Wz, Uz, xvalues)
    dWy, dWr, dUr, dW, dU, dWz, dUz = seed_backward(Wy, Wr, Ur, W, U, Wz, Uz, xvalues, d,
                                                    r, z, hbar, h, y)
    return (Wy - eta * dWy, Wr - eta * dWr, Ur - eta * dUr, W - eta * dW, U - eta * dU,
            Wz - eta * dWz, Uz - eta * dUz), y


SEED_ORDER = ("Wy", "Wr", "Ur", "W", "U", "Wz", "Uz")


def seed_args(params):
    """The seed's weights, in the seed's argument order, from a gru_lesson params dict."""
    return tuple(params[k] for k in SEED_ORDER)
