"""The common mistakes of the exercises, made on purpose, so a checker can name the student's.

Each function below is a correct GRU computation with switches (``flags``) that inject one
mistake each: ``step_forward_with(x, h_prev, params, {"U_T"})`` is a step that multiplies by U
transposed. Each catalogue entry is (name, flags, sentence, hint): what the checker prints when
the student's output equals the output with those flags. With no flags every function here is
the engine's maths (tests/test_exercises.py compares them with gl.forward and gl.backward).

Sites of a mistake (flags):
    forward   z_swapped, Uz_T, Ur_T, U_T, reset_after, no_reset, gates_swapped, no_bz, no_br,
              no_b, tanh_for_gates, sigmoid_for_candidate, no_h_prev_term
    backward  dz_sign, dz_no_h_prev, dz_no_dsig, dz_dsig_input, delta_one_minus_z, delta_no_z,
              delta_dtanh_input, delta_dsig_for_tanh, delta_no_dtanh, dr_U_not_T, dr_no_h_prev,
              dr_no_dsig, dr_dsig_input, dh_direct_z, dh_Uz_not_T, dh_Ur_not_T, dh_U_not_T,
              dh_candidate_no_r, dh_no_direct, dh_no_update, dh_no_reset, dh_no_candidate
    BPTT loop no_dsig_out, dsig_out_input, dsig_on_logits, h0_wraparound, h0_zero,
              skip_first_step, forward_loop, no_output_path, no_bptt, U_grad_no_r
"""

from types import SimpleNamespace

import numpy as np

from ..engine.activations import sigmoid as _sigmoid

# ------------------------------------------------------------------- one step forward

def step_forward_with(x, h_prev, p, flags):
    """One GRU step computed with the mistakes named in flags (empty: correct)."""
    def weight(name):
        return p[name].T if f"{name}_T" in flags else p[name]

    def bias(name):
        return 0.0 if f"no_{name}" in flags else p[name]

    gate = np.tanh if "tanh_for_gates" in flags else _sigmoid
    cand = _sigmoid if "sigmoid_for_candidate" in flags else np.tanh
    z = gate(x @ p["Wz"] + h_prev @ weight("Uz") + bias("bz"))
    r = gate(x @ p["Wr"] + h_prev @ weight("Ur") + bias("br"))
    if "gates_swapped" in flags:
        z, r = r, z
    if "reset_after" in flags:
        a = x @ p["W"] + r * (h_prev @ weight("U")) + bias("b")
    elif "no_reset" in flags:
        a = x @ p["W"] + h_prev @ weight("U") + bias("b")
    else:
        a = x @ p["W"] + (r * h_prev) @ weight("U") + bias("b")
    h_tilde = cand(a)
    if "z_swapped" in flags:
        h = z * h_prev + (1.0 - z) * h_tilde
    elif "no_h_prev_term" in flags:
        h = z * h_tilde
    else:
        h = (1.0 - z) * h_prev + z * h_tilde
    return SimpleNamespace(x=x, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h)


FORWARD_MISTAKES = (
    ("z_swapped", {"z_swapped"},
     "You swapped z and 1 − z: your step computes h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃_t.",
     "in this lesson the update gate z weights the NEW candidate: h_t = (1 − z_t) ⊙ h_{t−1} + "
     "z_t ⊙ h̃_t (PyTorch's docs use the opposite convention, which is why this is easy to mix)."),
    ("transposed_Uz", {"Uz_T"}, "You multiplied h_{t−1} by Uzᵀ instead of Uz in the update gate.",
     "z_t = σ(x_t Wz + h_{t−1} Uz + bz): row vector times matrix, no transpose. Uz is H × H, "
     "so the shapes can't warn you."),
    ("transposed_Ur", {"Ur_T"}, "You multiplied h_{t−1} by Urᵀ instead of Ur in the reset gate.",
     "r_t = σ(x_t Wr + h_{t−1} Ur + br): no transpose; Ur is square, so only the values differ."),
    ("transposed_U", {"U_T"}, "You multiplied (r ⊙ h_{t−1}) by Uᵀ instead of U in the candidate.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b): no transpose; U is square, so the shapes "
     "can't warn you."),
    ("reset_after_matmul", {"reset_after"},
     "You applied the reset gate after the product, r ⊙ (h_{t−1} U): that is PyTorch's variant, "
     "not this lesson's.",
     "here the reset gate acts on h_{t−1} before U: (r_t ⊙ h_{t−1}) U."),
    ("missing_reset_gate", {"no_reset"},
     "Your candidate ignores the reset gate: it uses h_{t−1} U.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b); r_t decides how much of h_{t−1} the "
     "candidate sees."),
    ("gates_swapped", {"gates_swapped"},
     "Your z and r are swapped: z is built from Wr, Ur, br and r from Wz, Uz, bz.",
     "z_t = σ(x_t Wz + h_{t−1} Uz + bz) and r_t = σ(x_t Wr + h_{t−1} Ur + br)."),
    ("missing_bias", {"no_bz"}, "Your update gate forgets its bias bz.",
     "z_t = σ(x_t Wz + h_{t−1} Uz + bz); the exercises always have biases."),
    ("missing_bias", {"no_br"}, "Your reset gate forgets its bias br.",
     "r_t = σ(x_t Wr + h_{t−1} Ur + br)."),
    ("missing_bias", {"no_b"}, "Your candidate forgets its bias b.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b)."),
    ("tanh_for_gates", {"tanh_for_gates"},
     "Your gates use tanh; gates must lie in (0, 1), so they use σ.",
     "z and r go through σ; only the candidate h̃ uses tanh."),
    ("sigmoid_for_candidate", {"sigmoid_for_candidate"},
     "Your candidate uses σ; it should use tanh so it can be negative.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b)."),
    ("missing_h_prev_term", {"no_h_prev_term"},
     "Your h_t = z ⊙ h̃_t drops the old state's share (1 − z_t) ⊙ h_{t−1}.",
     "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t: what the gate doesn't update, it keeps."),
)


# ------------------------------------------------------------------ one step backward

def _dsig(f, site, flags):
    if f"{site}_dsig_input" in flags:
        return _sigmoid(f) * (1.0 - _sigmoid(f))
    if f"{site}_no_dsig" in flags:
        return 1.0
    return f * (1.0 - f)


def step_backward_with(dh, c, p, flags=frozenset()):
    """dz, delta, dr, dh_prev of one step, computed with the mistakes in flags (empty: correct)."""
    z, r, h_tilde, h_prev = c.z, c.r, c.h_tilde, c.h_prev
    if "dz_sign" in flags:
        dh_dz = h_prev - h_tilde
    elif "dz_no_h_prev" in flags:
        dh_dz = h_tilde
    else:
        dh_dz = h_tilde - h_prev
    dz = dh * dh_dz * _dsig(z, "dz", flags)

    z_share = 1.0 - z if "delta_one_minus_z" in flags else (1.0 if "delta_no_z" in flags else z)
    if "delta_dtanh_input" in flags:
        tanh_local = 1.0 - np.tanh(h_tilde) ** 2
    elif "delta_dsig_for_tanh" in flags:
        tanh_local = h_tilde * (1.0 - h_tilde)
    elif "delta_no_dtanh" in flags:
        tanh_local = 1.0
    else:
        tanh_local = 1.0 - h_tilde ** 2
    delta = dh * z_share * tanh_local

    U_back = p["U"] if "dr_U_not_T" in flags else p["U"].T
    h_share = 1.0 if "dr_no_h_prev" in flags else h_prev
    dr = h_share * (delta @ U_back) * _dsig(r, "dr", flags)

    terms = {
        "direct": dh * (z if "dh_direct_z" in flags else 1.0 - z),
        "update": dz @ (p["Uz"] if "dh_Uz_not_T" in flags else p["Uz"].T),
        "reset": dr @ (p["Ur"] if "dh_Ur_not_T" in flags else p["Ur"].T),
        "candidate": delta @ (p["U"] if "dh_U_not_T" in flags else p["U"].T),
    }
    if "dh_candidate_no_r" not in flags:
        terms["candidate"] = terms["candidate"] * r
    dh_prev = sum(v for k, v in terms.items() if f"dh_no_{k}" not in flags)
    return {"dz": dz, "delta": delta, "dr": dr, "dh_prev": dh_prev}


PATHS = {
    "direct": "the direct path δh_t ⊙ (1 − z_t)",
    "update": "the update-gate path δz_t Uzᵀ",
    "reset": "the reset-gate path δr_t Urᵀ",
    "candidate": "the candidate path (δ_t Uᵀ) ⊙ r_t",
}
DH_PREV = ("δh_{t−1} = δh_t ⊙ (1 − z_t) + δz_t Uzᵀ + δr_t Urᵀ + (δ_t Uᵀ) ⊙ r_t: h_{t−1} "
            "reaches h_t directly and through z_t, r_t and h̃_t, and each route adds a term")

BACKWARD_MISTAKES = (
    ("z_swapped", {"dz_sign", "delta_one_minus_z", "dh_direct_z"},
     "You swapped z and 1 − z: your backward differentiates h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃_t.",
     "here h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t, so δ_t carries z_t, the direct path "
     "carries (1 − z_t) and ∂h_t/∂z_t = h̃_t − h_{t−1}."),
    ("derivative_from_input", {"dz_dsig_input", "dr_dsig_input", "delta_dtanh_input"},
     "You took the local derivatives as if z, r and h̃ were inputs: σ(z)(1 − σ(z)) instead of "
     "z (1 − z), and likewise for r and h̃.",
     "the cache holds the OUTPUTS, so the local derivatives are z ⊙ (1 − z), r ⊙ (1 − r) and "
     "1 − h̃²: call your dsigmoid_from_output(z), don't apply σ again."),
    ("derivative_from_input", {"dz_dsig_input"},
     "Your δz uses σ(z)(1 − σ(z)), σ' taken as if z were the input.",
     "z is already σ(·), so its local derivative is z ⊙ (1 − z)."),
    ("derivative_from_input", {"dr_dsig_input"},
     "Your δr uses σ(r)(1 − σ(r)), σ' taken as if r were the input.",
     "r is already σ(·), so its local derivative is r ⊙ (1 − r)."),
    ("derivative_from_input", {"delta_dtanh_input"},
     "Your δ uses 1 − tanh(h̃)², tanh' taken as if h̃ were the input.",
     "h̃ is already tanh(·), so its local derivative is 1 − h̃²."),
    ("sign_error", {"dz_sign"},
     "Your δz has the wrong sign: you used h_{t−1} − h̃_t where ∂h_t/∂z_t = h̃_t − h_{t−1}.",
     "differentiate h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t with respect to z_t."),
    ("missing_sigmoid_derivative", {"dz_no_dsig", "dr_no_dsig"},
     "Your δz and δr stop before the gates' sigmoids: the factors z (1 − z) and r (1 − r) are "
     "missing.", "δ's are gradients w.r.t. PRE-activations, so each gate multiplies in σ' = "
     "z ⊙ (1 − z) (resp. r ⊙ (1 − r))."),
    ("missing_sigmoid_derivative", {"dz_no_dsig"},
     "Your δz misses the sigmoid's local derivative z ⊙ (1 − z).",
     "δz_t = δh_t ⊙ (h̃_t − h_{t−1}) ⊙ z_t ⊙ (1 − z_t)."),
    ("missing_sigmoid_derivative", {"dr_no_dsig"},
     "Your δr misses the sigmoid's local derivative r ⊙ (1 − r).",
     "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)."),
    ("dz_missing_h_prev", {"dz_no_h_prev"},
     "Your δz uses h̃_t alone; z_t also scales h_{t−1}, through the (1 − z_t) term.",
     "∂h_t/∂z_t = h̃_t − h_{t−1}, so δz_t = δh_t ⊙ (h̃_t − h_{t−1}) ⊙ z_t ⊙ (1 − z_t)."),
    ("z_swapped", {"delta_one_minus_z"},
     "Your δ multiplies by (1 − z_t), but the candidate enters h_t weighted by z_t: z and 1 − z "
     "are swapped there.", "δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²)."),
    ("z_swapped", {"dh_direct_z"},
     "Your direct path uses z_t, but h_{t−1} enters h_t weighted by (1 − z_t): z and 1 − z are "
     "swapped there.", "the direct term of δh_{t−1} is δh_t ⊙ (1 − z_t)."),
    ("delta_missing_z", {"delta_no_z"},
     "Your δ forgets the factor z_t: the candidate enters h_t as z_t ⊙ h̃_t.",
     "δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²)."),
    ("wrong_tanh_derivative", {"delta_dsig_for_tanh"},
     "Your δ uses h̃ (1 − h̃), the sigmoid's derivative, for a tanh.",
     "tanh' from the output is 1 − h̃²."),
    ("missing_tanh_derivative", {"delta_no_dtanh"},
     "Your δ stops before the tanh: the factor 1 − h̃_t² is missing.",
     "δ is the gradient w.r.t. the candidate's pre-activation: δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²)."),
    ("transposed_U", {"dr_U_not_T", "dh_U_not_T"},
     "You multiplied δ by U where Uᵀ belongs (in δr and in δh_{t−1}).",
     "forward computes (r ⊙ h_{t−1}) U, so the gradient reaching r ⊙ h_{t−1} is δ_t Uᵀ; U is "
     "H × H, so the shapes can't warn you."),
    ("transposed_U", {"dr_U_not_T"}, "Your δr uses δ_t U where δ_t Uᵀ belongs.",
     "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t); U is square, so only the values differ."),
    ("transposed_U", {"dh_U_not_T"},
     "The candidate path of your δh_{t−1} uses δ_t U where δ_t Uᵀ belongs.",
     "that term is (δ_t Uᵀ) ⊙ r_t; U is square, so only the values differ."),
    ("dr_missing_h_prev", {"dr_no_h_prev"},
     "Your δr forgets the factor h_{t−1}: r_t multiplies h_{t−1} before U.",
     "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)."),
    ("transposed_Uz", {"dh_Uz_not_T"},
     "The update-gate path of your δh_{t−1} uses δz_t Uz where δz_t Uzᵀ belongs.",
     "forward computes h_{t−1} Uz, so backward multiplies by Uzᵀ."),
    ("transposed_Ur", {"dh_Ur_not_T"},
     "The reset-gate path of your δh_{t−1} uses δr_t Ur where δr_t Urᵀ belongs.",
     "forward computes h_{t−1} Ur, so backward multiplies by Urᵀ."),
    ("missing_direct_path", {"dh_no_direct"},
     f"Your δh_{{t−1}} misses {PATHS['direct']}: h_{{t−1}} also flows straight into h_t.",
     DH_PREV + "."),
    ("missing_update_gate_path", {"dh_no_update"},
     f"Your δh_{{t−1}} misses {PATHS['update']}: h_{{t−1}} also drives the update gate.",
     DH_PREV + "."),
    ("missing_reset_gate_path", {"dh_no_reset"},
     f"Your δh_{{t−1}} misses {PATHS['reset']}: h_{{t−1}} also drives the reset gate.",
     DH_PREV + "."),
    ("missing_candidate_path", {"dh_no_candidate"},
     f"Your δh_{{t−1}} misses {PATHS['candidate']}: h_{{t−1}} also feeds the candidate.",
     DH_PREV + "."),
    ("candidate_path_missing_r", {"dh_candidate_no_r"},
     "The candidate path of your δh_{t−1} forgets ⊙ r_t: it should be (δ_t Uᵀ) ⊙ r_t.",
     "h_{t−1} enters the candidate as r_t ⊙ h_{t−1}, so its gradient is multiplied by r_t."),
)


# ---------------------------------------------------------- backpropagation through time

def bptt_with(params, cache, dy, step_flags=frozenset(), loop=frozenset()):
    """Gradients as a BPTT loop with these mistakes computes them.

    Returns (grads, share): share[t] holds step t's contribution to every gradient, so a checker
    can recognise a gradient that was overwritten in the loop instead of summed.
    """
    x, z, r, h_tilde, h, y = cache.x, cache.z, cache.r, cache.h_tilde, cache.h, cache.y
    T, N, _ = x.shape
    if "no_dsig_out" in loop:
        dlogits = dy
    elif "dsig_out_input" in loop:
        dlogits = dy * _sigmoid(y) * (1.0 - _sigmoid(y))
    elif "dsig_on_logits" in loop:
        dlogits = dy * cache.logits * (1.0 - cache.logits)
    else:
        dlogits = dy * y * (1.0 - y)
    h_prev_all = np.concatenate([cache.h0[None], h[:-1]])
    if "h0_wraparound" in loop:
        h_prev_all[0] = h[-1]
    elif "h0_zero" in loop:
        h_prev_all[0] = 0.0
    order = range(T) if "forward_loop" in loop else range(T - 1, -1, -1)
    if "skip_first_step" in loop:
        order = [t for t in order if t != 0]
    share = {}
    dh_next = np.zeros_like(cache.h0)
    for t in order:
        dh = np.zeros_like(dh_next) if "no_output_path" in loop else dlogits[t] @ params["Wy"].T
        if "no_bptt" not in loop:
            dh = dh + dh_next
        hp = h_prev_all[t]
        step = SimpleNamespace(h_prev=hp, z=z[t], r=r[t], h_tilde=h_tilde[t])
        d = step_backward_with(dh, step, params, step_flags)
        dh_next = d["dh_prev"]
        rh = hp if "U_grad_no_r" in loop else r[t] * hp
        share[t] = {"Wz": x[t].T @ d["dz"], "Uz": hp.T @ d["dz"], "Wr": x[t].T @ d["dr"],
                    "Ur": hp.T @ d["dr"], "W": x[t].T @ d["delta"], "U": rh.T @ d["delta"],
                    "Wy": h[t].T @ dlogits[t], "bz": d["dz"].sum(0), "br": d["dr"].sum(0),
                    "b": d["delta"].sum(0), "by": dlogits[t].sum(0)}
    grads = {k: sum(s[k] for s in share.values()) for k in params}
    return grads, share


LOOP_MISTAKES = (
    ("t1_uses_last_state", {"h0_wraparound"},
     "At the first step (t = 1, index 0) your loop takes h[t − 1] = h[−1], which Python wraps "
     "around to the LAST state, instead of h_0.",
     "special-case the first step: h_prev = cache.h0 if t == 0 else cache.h[t − 1]."),
    ("t1_uses_zero_h0", {"h0_zero"},
     "At the first step (t = 1, index 0) your loop uses zeros as h_{t−1}, but this sequence "
     "starts from a non-zero h0.",
     "use h_prev = cache.h0 if t == 0 else cache.h[t − 1]; zeros are right only when h0 = 0."),
    ("t1_step_skipped", {"skip_first_step"},
     "Your loop stops before the first step (t = 1, index 0), so its terms, including the h0 "
     "ones, are missing.", "loop with for t in reversed(range(T)): that ends at t = 0 inclusive."),
    ("no_backprop_through_time", {"no_bptt"},
     "Your loop never hands δh_{t−1} back to the step before: each step only sees its own "
     "output's gradient.",
     "δh_t = δy_t Wyᵀ + (the dh_prev returned by step t + 1); keep it in a variable that starts "
     "at zero and add it at every step."),
    ("missing_output_path", {"no_output_path"},
     "Your δh_t leaves out the output path δy_t Wyᵀ, so no gradient ever enters the GRU.",
     "at every step δh_t = δy_t Wyᵀ + dh_next, where δy_t = dy_t ⊙ y_t ⊙ (1 − y_t)."),
    ("missing_output_sigmoid_derivative", {"no_dsig_out"},
     "You used dy as δy: the output sigmoid's derivative y ⊙ (1 − y) is missing.",
     "δy_t = dy_t ⊙ y_t ⊙ (1 − y_t), computed from the output y stored in the cache."),
    ("derivative_from_input", {"dsig_out_input"},
     "Your δy uses σ(y)(1 − σ(y)), σ' taken as if y were the input.",
     "y is already σ(logits), so δy_t = dy_t ⊙ y_t ⊙ (1 − y_t)."),
    ("derivative_from_input", {"dsig_on_logits"},
     "Your δy applies f (1 − f) to the logits, the sigmoid's input, instead of to its output y.",
     "the formula f (1 − f) needs f = y = σ(logits): δy_t = dy_t ⊙ y_t ⊙ (1 − y_t)."),
    ("loop_runs_forward", {"forward_loop"},
     "Your loop runs forward in time (t = 0, 1, …), but δh_t needs what step t + 1 sends back, "
     "so backward must go from t = T − 1 down to 0.", "for t in reversed(range(T)): ..."),
    ("U_grad_missing_r", {"U_grad_no_r"},
     "Your ∂E/∂U uses h_{t−1}, but U multiplies r_t ⊙ h_{t−1}.",
     "∂E/∂U = Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t."),
)
