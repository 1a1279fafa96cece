"""The seed's MATLAB (../shared/seed/GRUtest.m), transcribed line for line into NumPy.

This is the reference the engine is tested against and the code the notebooks show next to
the derivation. It works on one sequence at a time, exactly like the seed: MATLAB's row t
(1-based) is Python's row t - 1; ``A'*B`` between row vectors is ``np.outer(A, B)``.
It is deliberately *not* fast or vectorized: read it, don't train with it.

Each function takes the seed's variable names. ``xvalues`` is (uNum, xdim), ``d`` is
(uNum, ydim); the weights are Wy (hdim, ydim), Wr/W/Wz (xdim, hdim), Ur/U/Uz (hdim, hdim).
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
