"""The common mistakes of the exercises, made on purpose, so a checker can name the student's.

Each function below is a correct GRU computation with switches (``flags``) that inject one
mistake each: ``step_forward_with(x, h_prev, params, {"U_T"})`` is a step that multiplies by U
transposed. Each catalogue entry is (name, flags, sentence, hint): what the checker prints when
the student's output equals the output with those flags. With no flags every function here is
the engine's maths (tests/test_exercises.py compares them with gl.forward and gl.backward).

Sites of a mistake (flags):
    forward   z_swapped, Uz_T, Ur_T, U_T, reset_after, no_reset, gates_swapped, no_bz, no_br,
              no_b, bz_outside, br_outside, b_outside, tanh_for_gates, sigmoid_for_candidate,
              no_h_prev_term, r_Wz, r_Uz, blend_uses_r, z_in_candidate, no_tanh
    backward  dz_sign, dz_no_h_prev, dz_no_dsig, dz_dsig_input, delta_one_minus_z, delta_no_z,
              delta_dtanh_input, delta_dsig_for_tanh, delta_no_dtanh, delta_one_minus_h,
              delta_square_outside,
              dr_U_not_T, dr_no_h_prev, dr_no_dsig, dr_dsig_input, dh_direct_z, dh_Uz_not_T,
              dh_Ur_not_T, dh_U_not_T, dh_candidate_no_r, dh_candidate_r_before, dh_no_direct,
              dh_no_update, dh_no_reset, dh_no_candidate, dz_plus, dr_r_for_h_prev,
              Ur_for_U, dh_candidate_z
    reset-after backward (reset_after=True): the above, and seed_dr, seed_candidate, dr_no_hn,
              dr_hn_no_bias, ra_r_twice
    dx        the backward flags, and dx_no_update, dx_no_reset, dx_no_candidate, dx_uses_dh,
              dx_candidate_r
    BPTT loop no_dsig_out, dsig_out_input, dsig_on_logits, h0_wraparound, h0_zero,
              h_prev_is_h_t, grads_h_prev_wrap, skip_first_step, forward_loop, no_output_path,
              dh_from_dy, no_bptt,
              U_grad_no_r, Wy_h_prev, Wy_h_prev_wrap, Uz_h_t, Ur_h_t, U_h_t, rec_h_t, mean_N,
              mean_T, mean_NT, no_output_grads, U_r_prev, by_axis1
    numerical one_sided, backward_sided, no_factor_2, sign, precedence, all_at_once,
              rows_at_once, not_restored
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
        return 0.0 if f"no_{name}" in flags or f"{name}_outside" in flags else p[name]

    def after(name):                      # a bias added after the activation instead
        return p[name] if f"{name}_outside" in flags else 0.0

    gate = np.tanh if "tanh_for_gates" in flags else _sigmoid
    cand = _sigmoid if "sigmoid_for_candidate" in flags else np.tanh
    z = gate(x @ p["Wz"] + h_prev @ weight("Uz") + bias("bz")) + after("bz")
    Wr = p["Wz"] if "r_Wz" in flags else p["Wr"]          # a copied z line, half edited
    Ur = p["Uz"] if "r_Uz" in flags else weight("Ur")
    r = gate(x @ Wr + h_prev @ Ur + bias("br")) + after("br")
    if "gates_swapped" in flags:
        z, r = r, z
    if "reset_after" in flags:
        a = x @ p["W"] + r * (h_prev @ weight("U")) + bias("b")
    elif "z_in_candidate" in flags:
        a = x @ p["W"] + (z * h_prev) @ weight("U") + bias("b")
    elif "no_reset" in flags:
        a = x @ p["W"] + h_prev @ weight("U") + bias("b")
    else:
        a = x @ p["W"] + (r * h_prev) @ weight("U") + bias("b")
    h_tilde = (a if "no_tanh" in flags else cand(a)) + after("b")
    if "blend_uses_r" in flags:
        h = (1.0 - r) * h_prev + r * h_tilde
    elif "z_swapped" in flags:
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
    ("bias_outside_activation", {"bz_outside"},
     "Your update gate adds bz after the sigmoid, σ(x_t Wz + h_{t−1} Uz) + bz, so z can leave "
     "(0, 1).", "the bias goes inside: z_t = σ(x_t Wz + h_{t−1} Uz + bz)."),
    ("bias_outside_activation", {"br_outside"},
     "Your reset gate adds br after the sigmoid: σ(x_t Wr + h_{t−1} Ur) + br.",
     "the bias goes inside: r_t = σ(x_t Wr + h_{t−1} Ur + br)."),
    ("bias_outside_activation", {"b_outside"},
     "Your candidate adds b after the tanh: tanh(x_t W + (r_t ⊙ h_{t−1}) U) + b.",
     "the bias goes inside: h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b)."),
    ("tanh_for_gates", {"tanh_for_gates"},
     "Your gates use tanh; gates must lie in (0, 1), so they use σ.",
     "z and r go through σ; only the candidate h̃ uses tanh."),
    ("sigmoid_for_candidate", {"sigmoid_for_candidate"},
     "Your candidate uses σ; it should use tanh so it can be negative.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b)."),
    ("missing_h_prev_term", {"no_h_prev_term"},
     "Your h_t = z ⊙ h̃_t drops the old state's share (1 − z_t) ⊙ h_{t−1}.",
     "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t: what the gate doesn't update, it keeps."),
    ("reset_gate_uses_update_weights", {"r_Wz"},
     "Your reset gate multiplies x_t by Wz, the update gate's weights (a copied z line?).",
     "r_t = σ(x_t Wr + h_{t−1} Ur + br): each gate has its own W, U and b."),
    ("reset_gate_uses_update_weights", {"r_Uz"},
     "Your reset gate multiplies h_{t−1} by Uz, the update gate's weights (a copied z line?).",
     "r_t = σ(x_t Wr + h_{t−1} Ur + br): each gate has its own W, U and b."),
    ("blend_uses_r", {"blend_uses_r"},
     "Your blend uses the reset gate: h_t = (1 − r_t) ⊙ h_{t−1} + r_t ⊙ h̃_t.",
     "the update gate blends: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t; r_t acts only inside "
     "the candidate."),
    ("z_in_candidate", {"z_in_candidate"},
     "Your candidate uses (z_t ⊙ h_{t−1}) U: the update gate where the reset gate belongs.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b): r_t decides what the candidate sees."),
    ("missing_tanh", {"no_tanh"},
     "Your candidate has no tanh: h̃_t = x_t W + (r_t ⊙ h_{t−1}) U + b, unbounded.",
     "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b): the tanh keeps it in (−1, 1)."),
)


# ------------------------------------------------------------------ one step backward

def _dsig(f, site, flags):
    if f"{site}_dsig_input" in flags:
        return _sigmoid(f) * (1.0 - _sigmoid(f))
    if f"{site}_no_dsig" in flags:
        return 1.0
    return f * (1.0 - f)


def step_backward_with(dh, c, p, flags=frozenset(), reset_after=False):
    """dz, delta, dr, dh_prev of one step, computed with the mistakes in flags (empty: correct).

    reset_after: the step of PyTorch's variant, h̃ = tanh(x W + b + r ⊙ hn) with
    hn = h_{t-1} U + bhn (c.hn), instead of the seed's tanh(x W + (r ⊙ h_{t-1}) U + b).
    """
    z, r, h_tilde, h_prev = c.z, c.r, c.h_tilde, c.h_prev
    if "dz_sign" in flags:
        dh_dz = h_prev - h_tilde
    elif "dz_plus" in flags:
        dh_dz = h_tilde + h_prev
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
    elif "delta_one_minus_h" in flags:
        tanh_local = 1.0 - h_tilde
    elif "delta_square_outside" in flags:
        tanh_local = (1.0 - h_tilde) ** 2
    else:
        tanh_local = 1.0 - h_tilde ** 2
    delta = dh * z_share * tanh_local

    U_T = p["U"] if "dh_U_not_T" in flags else p["U"].T
    if reset_after:
        hn = h_prev @ p["U"] if "dr_hn_no_bias" in flags else c.hn
        if "seed_dr" in flags:
            dr_outer = h_prev * (delta @ p["U"].T)
        else:
            dr_outer = 1.0 if "dr_no_hn" in flags else hn
            dr_outer = delta * dr_outer
        d_hn = delta if "dh_candidate_no_r" in flags else delta * r
        candidate = (delta @ p["U"].T) * r if "seed_candidate" in flags else d_hn @ U_T
        if "ra_r_twice" in flags:
            candidate = candidate * r
    else:
        U_back = p["U"] if "dr_U_not_T" in flags else p["U"].T
        if "Ur_for_U" in flags:                        # d_rh = delta @ Ur.T, used twice
            U_back = U_T = p["Ur"].T
        h_share = 1.0 if "dr_no_h_prev" in flags else (r if "dr_r_for_h_prev" in flags
                                                       else h_prev)
        dr_outer = h_share * (delta @ U_back)
        if "dh_candidate_r_before" in flags:
            candidate = (delta * r) @ U_T
        elif "dh_candidate_no_r" in flags:
            candidate = delta @ U_T
        elif "dh_candidate_z" in flags:
            candidate = (delta @ U_T) * z
        else:
            candidate = (delta @ U_T) * r
    dr = dr_outer * _dsig(r, "dr", flags)

    terms = {
        "direct": dh * (z if "dh_direct_z" in flags else 1.0 - z),
        "update": dz @ (p["Uz"] if "dh_Uz_not_T" in flags else p["Uz"].T),
        "reset": dr @ (p["Ur"] if "dh_Ur_not_T" in flags else p["Ur"].T),
        "candidate": candidate,
    }
    dh_prev = sum(v for k, v in terms.items() if f"dh_no_{k}" not in flags)
    return {"dz": dz, "delta": delta, "dr": dr, "dh_prev": dh_prev}


def step_dx_with(dh, c, p, flags=frozenset()):
    """dx = dE/dx_t of one (seed) step: δz Wzᵀ + δr Wrᵀ + δ Wᵀ, with the mistakes in flags.

    Step flags (as for step_backward_with) change δz, δ, δr first; dx_no_<path> leaves a path
    out.
    """
    d = step_backward_with(dh, c, p, flags)
    if "dx_uses_dh" in flags:
        d = {"dz": dh, "dr": dh, "delta": dh}
    if "dx_candidate_r" in flags:
        d = {**d, "delta": d["delta"] * c.r}
    terms = dx_paths(d, p)
    return sum(v for k, v in terms.items() if f"dx_no_{k}" not in flags)


def dx_paths(d, p):
    """The three routes from x_t into the step, given its δz, δ, δr."""
    return {"update": d["dz"] @ p["Wz"].T, "reset": d["dr"] @ p["Wr"].T,
            "candidate": d["delta"] @ p["W"].T}


PATHS = {
    "direct": "the direct path δh_t ⊙ (1 − z_t)",
    "update": "the update-gate path δz_t Uzᵀ",
    "reset": "the reset-gate path δr_t Urᵀ",
    "candidate": "the candidate path (δ_t Uᵀ) ⊙ r_t",
}
PATHS_RESET_AFTER = {**PATHS, "candidate": "the candidate path (δ_t ⊙ r_t) Uᵀ"}
DH_PREV = ("δh_{t−1} = δh_t ⊙ (1 − z_t) + δz_t Uzᵀ + δr_t Urᵀ + (δ_t Uᵀ) ⊙ r_t: h_{t−1} "
           "reaches h_t directly and through z_t, r_t and h̃_t, and each route adds a term")
DH_PREV_RESET_AFTER = ("δh_{t−1} = δh_t ⊙ (1 − z_t) + δz_t Uzᵀ + δr_t Urᵀ + (δ_t ⊙ r_t) Uᵀ: "
                       "h_{t−1} reaches h_t directly and through z_t, r_t and hn_t")
DX_PATHS = {"update": "the update-gate path δz_t Wzᵀ", "reset": "the reset-gate path δr_t Wrᵀ",
            "candidate": "the candidate path δ_t Wᵀ"}
DX = ("dx_t = δz_t Wzᵀ + δr_t Wrᵀ + δ_t Wᵀ: x_t enters the step three times, through Wz, Wr "
      "and W, and each route adds a term")


def _path_mistakes(paths, equation):
    """The four 'missing path' entries of δh_{t−1}, for one variant's paths and equation."""
    why = {"direct": "h_{t−1} also flows straight into h_t",
           "update": "h_{t−1} also drives the update gate",
           "reset": "h_{t−1} also drives the reset gate",
           "candidate": "h_{t−1} also feeds the candidate"}
    names = {"direct": "missing_direct_path", "update": "missing_update_gate_path",
             "reset": "missing_reset_gate_path", "candidate": "missing_candidate_path"}
    return tuple((names[k], {f"dh_no_{k}"}, f"Your δh_{{t−1}} misses {paths[k]}: {why[k]}.",
                  equation + ".") for k in names)


# Mistakes in δz, δ and the gate paths: the same in both variants' backward.
_SHARED_BACKWARD = (
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
     "δr is the gradient w.r.t. r_t's pre-activation: multiply what reaches r_t by "
     "r_t ⊙ (1 − r_t)."),
    ("sign_error", {"dz_plus"},
     "Your δz uses h̃_t + h_{t−1}; ∂h_t/∂z_t = h̃_t − h_{t−1}, a difference.",
     "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t: the −z_t ⊙ h_{t−1} part gives the minus."),
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
    ("tanh_derivative_not_squared", {"delta_one_minus_h"},
     "Your δ uses 1 − h̃_t, but tanh's derivative from its output is 1 − h̃_t², squared.",
     "d tanh(a)/da = 1 − tanh(a)², so δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²): write h_tilde ** 2."),
    ("tanh_derivative_bracket", {"delta_square_outside"},
     "Your δ uses (1 − h̃_t)², but tanh's derivative from its output is 1 − h̃_t²: only h̃_t is "
     "squared.", "write (1.0 - h_tilde ** 2), not (1.0 - h_tilde) ** 2."),
    ("missing_tanh_derivative", {"delta_no_dtanh"},
     "Your δ stops before the tanh: the factor 1 − h̃_t² is missing.",
     "δ is the gradient w.r.t. the candidate's pre-activation: δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²)."),
    ("transposed_Uz", {"dh_Uz_not_T"},
     "The update-gate path of your δh_{t−1} uses δz_t Uz where δz_t Uzᵀ belongs.",
     "forward computes h_{t−1} Uz, so backward multiplies by Uzᵀ."),
    ("transposed_Ur", {"dh_Ur_not_T"},
     "The reset-gate path of your δh_{t−1} uses δr_t Ur where δr_t Urᵀ belongs.",
     "forward computes h_{t−1} Ur, so backward multiplies by Urᵀ."),
)

BACKWARD_MISTAKES = _SHARED_BACKWARD + (
    ("transposed_U", {"dr_U_not_T", "dh_U_not_T"},
     "You multiplied δ by U where Uᵀ belongs (in δr and in δh_{t−1}).",
     "forward computes (r ⊙ h_{t−1}) U, so the gradient reaching r ⊙ h_{t−1} is δ_t Uᵀ; U is "
     "H × H, so the shapes can't warn you."),
    ("transposed_U", {"dr_U_not_T"}, "Your δr uses δ_t U where δ_t Uᵀ belongs.",
     "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t); U is square, so only the values differ."),
    ("transposed_U", {"dh_U_not_T"},
     "The candidate path of your δh_{t−1} uses δ_t U where δ_t Uᵀ belongs.",
     "that term is (δ_t Uᵀ) ⊙ r_t; U is square, so only the values differ."),
    ("dr_r_for_h_prev", {"dr_r_for_h_prev"},
     "Your δr multiplies by r_t where h_{t−1} belongs: the Hadamard product r_t ⊙ h_{t−1} "
     "hands r_t the OTHER factor.",
     "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)."),
    ("wrong_weight_Ur_for_U", {"Ur_for_U"},
     "You went back through Urᵀ where Uᵀ belongs: the gradient reaching r_t ⊙ h_{t−1} is "
     "δ_t Uᵀ (in δr and in the candidate path).",
     "r_t ⊙ h_{t−1} is multiplied by U in the candidate, so backward multiplies δ_t by Uᵀ."),
    ("candidate_path_z_for_r", {"dh_candidate_z"},
     "The candidate path of your δh_{t−1} multiplies by z_t; h_{t−1} enters the candidate as "
     "r_t ⊙ h_{t−1}, so the factor is r_t.", "that term is (δ_t Uᵀ) ⊙ r_t."),
    ("dr_missing_h_prev", {"dr_no_h_prev"},
     "Your δr forgets the factor h_{t−1}: r_t multiplies h_{t−1} before U.",
     "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)."),
    *_path_mistakes(PATHS, DH_PREV),
    ("candidate_path_missing_r", {"dh_candidate_no_r"},
     "The candidate path of your δh_{t−1} forgets ⊙ r_t: it should be (δ_t Uᵀ) ⊙ r_t.",
     "h_{t−1} enters the candidate as r_t ⊙ h_{t−1}, so its gradient is multiplied by r_t."),
    ("reset_after_backward", {"dh_candidate_r_before"},
     "The candidate path of your δh_{t−1} is (δ_t ⊙ r_t) Uᵀ: that is the backward of PyTorch's "
     "reset-after variant, where r_t multiplies after U.",
     "here h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b): go back through U first, then through "
     "⊙ r_t, giving (δ_t Uᵀ) ⊙ r_t."),
)

RESET_AFTER_MISTAKES = _SHARED_BACKWARD + (
    ("seed_backward", {"seed_dr", "seed_candidate"},
     "You differentiated the seed's candidate tanh(x_t W + (r_t ⊙ h_{t−1}) U + b), not this one: "
     "here r_t multiplies hn_t = h_{t−1} U + bhn, after the product.",
     "from h̃_t = tanh(x_t W + b + r_t ⊙ hn_t): what reaches r_t is δ_t ⊙ hn_t, and what "
     "reaches hn_t is δ_t ⊙ r_t, which goes back to h_{t−1} through Uᵀ."),
    ("seed_backward", {"seed_dr"},
     "Your δr is the seed's, h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t); here r_t multiplies "
     "hn_t = h_{t−1} U + bhn.",
     "the factor next to r_t is hn_t (cache.hn), so δr_t = δ_t ⊙ hn_t ⊙ r_t ⊙ (1 − r_t)."),
    ("seed_backward", {"seed_candidate"},
     "The candidate path of your δh_{t−1} is the seed's (δ_t Uᵀ) ⊙ r_t; here r_t acts after U.",
     "what reaches hn_t is δ_t ⊙ r_t, and hn_t = h_{t−1} U + bhn, so the path is "
     "(δ_t ⊙ r_t) Uᵀ."),
    ("dr_missing_hn", {"dr_no_hn"},
     "Your δr forgets the factor hn_t: r_t multiplies hn_t = h_{t−1} U + bhn.",
     "δr_t = δ_t ⊙ hn_t ⊙ r_t ⊙ (1 − r_t), with hn_t from the cache."),
    ("dr_missing_bhn", {"dr_hn_no_bias"},
     "Your δr uses h_{t−1} U for hn_t and forgets its bias: hn_t = h_{t−1} U + bhn.",
     "use cache.hn, which is h_{t−1} U + bhn."),
    ("candidate_path_missing_r", {"dh_candidate_no_r"},
     "The candidate path of your δh_{t−1} forgets ⊙ r_t: it should be (δ_t ⊙ r_t) Uᵀ.",
     "hn_t is multiplied by r_t in the candidate, so the gradient reaching hn_t is δ_t ⊙ r_t."),
    ("candidate_path_r_twice", {"ra_r_twice"},
     "The candidate path of your δh_{t−1} multiplies by r_t twice: d_hn = δ_t ⊙ r_t already "
     "has it.", "the path is d_hn Uᵀ with d_hn = δ_t ⊙ r_t, and nothing after Uᵀ."),
    ("transposed_U", {"dh_U_not_T"},
     "The candidate path of your δh_{t−1} uses U where Uᵀ belongs.",
     "forward computes h_{t−1} U, so backward multiplies by Uᵀ: (δ_t ⊙ r_t) Uᵀ. U is square, "
     "so the shapes can't warn you."),
    *_path_mistakes(PATHS_RESET_AFTER, DH_PREV_RESET_AFTER),
)

DX_MISTAKES = tuple(
    (name, flags, "Your dx is wrong because of the δ's it uses: " + sentence[0].lower()
     + sentence[1:], hint)
    for name, flags, sentence, hint in _SHARED_BACKWARD
    if not any(f.startswith("dh_") for f in flags)
) + tuple(
    (f"dx_missing_{k}_path", {f"dx_no_{k}"},
     f"Your dx misses {DX_PATHS[k]}.", DX + ".") for k in DX_PATHS
) + (
    ("dx_skips_the_gates", {"dx_uses_dh"},
     "Your dx multiplies δh_t itself by Wzᵀ, Wrᵀ and Wᵀ: it skips the gates between x_t and h_t.",
     "each route goes through its pre-activation, so it carries that pre-activation's δ: "
     "δz_t, δr_t and δ_t from your gru_step_backward."),
    ("dx_candidate_times_r", {"dx_candidate_r"},
     "Your candidate route multiplies δ_t by r_t, but x_t enters the candidate as x_t W, without "
     "r_t: the reset gate only scales h_{t−1}.", "the candidate route is δ_t Wᵀ."),
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
    elif "h_prev_is_h_t" in loop:
        h_prev_all = h
    order = range(T) if "forward_loop" in loop else range(T - 1, -1, -1)
    if "skip_first_step" in loop:
        order = [t for t in order if t != 0]
    share = {}
    dh_next = np.zeros_like(cache.h0)
    for t in order:
        dh = np.zeros_like(dh_next) if "no_output_path" in loop else dlogits[t] @ params["Wy"].T
        if "dh_from_dy" in loop:
            dh = dy[t] @ params["Wy"].T
        if "no_bptt" not in loop:
            dh = dh + dh_next
        hp = h_prev_all[t]
        step = SimpleNamespace(h_prev=hp, z=z[t], r=r[t], h_tilde=h_tilde[t])
        d = step_backward_with(dh, step, params, step_flags)
        dh_next = d["dh_prev"]
        rh = hp if "U_grad_no_r" in loop else r[t] * hp
        h_out = h[t]
        if "Wy_h_prev" in loop:
            h_out = hp
        elif "Wy_h_prev_wrap" in loop:
            h_out = h[t - 1]
        h_rec = {k: h[t] if f"{k}_h_t" in loop or "rec_h_t" in loop else hp
                 for k in ("Uz", "Ur", "U")}
        if "grads_h_prev_wrap" in loop:
            h_rec = dict.fromkeys(h_rec, h[t - 1])
            rh = r[t] * h[t - 1]
        if "U_h_t" in loop or "rec_h_t" in loop:
            rh = r[t] * h[t]
        if "U_r_prev" in loop:
            rh = r[t - 1] * hp
        by = dlogits[t].sum(0)
        if "by_axis1" in loop:          # sums over the outputs: fits (O,) only when N == O
            by = dlogits[t].sum(1) if N == by.size else np.full_like(by, np.nan)
        share[t] = {"Wz": x[t].T @ d["dz"], "Uz": h_rec["Uz"].T @ d["dz"],
                    "Wr": x[t].T @ d["dr"], "Ur": h_rec["Ur"].T @ d["dr"],
                    "W": x[t].T @ d["delta"], "U": rh.T @ d["delta"],
                    "Wy": h_out.T @ dlogits[t], "bz": d["dz"].sum(0), "br": d["dr"].sum(0),
                    "b": d["delta"].sum(0), "by": by,
                    "_d": d, "_in": {"x": x[t], "h_prev": hp, "rh": r[t] * hp}}   # for checks
    grads = {k: sum(s[k] for s in share.values()) for k in params}
    scale = {"mean_N": N, "mean_T": T, "mean_NT": N * T}
    for flag, n in scale.items():
        if flag in loop:
            grads = {k: g / n for k, g in grads.items()}
    if "no_output_grads" in loop:
        grads["Wy"], grads["by"] = np.zeros_like(grads["Wy"]), np.zeros_like(grads["by"])
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
    ("t1_uses_last_state", {"grads_h_prev_wrap"},
     "Your weight gradients take h_{t−1} as cache.h[t − 1] at every step; at the first step "
     "(index 0) Python wraps that around to the LAST state instead of h_0.",
     "use the same h_prev as the step: cache.h0 if t == 0 else cache.h[t − 1]."),
    ("missing_output_sigmoid_derivative", {"dh_from_dy"},
     "Your δh_t is dy_t Wyᵀ: the output sigmoid's derivative is missing there (your ∂E/∂Wy "
     "has it).", "δh_t = δy_t Wyᵀ + dh_next with δy_t = dy_t ⊙ y_t ⊙ (1 − y_t)."),
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
    ("h_prev_off_by_one", {"h_prev_is_h_t"},
     "Your loop takes h_{t−1} as cache.h[t], which is h_t, the state AFTER step t (the code's "
     "index t is the maths' step t + 1).",
     "h_{t−1} is the state before step t: cache.h0 at t = 0, else cache.h[t − 1] (or "
     "cache.h_prev[t])."),
    ("Wy_grad_off_by_one", {"Wy_h_prev"},
     "Your ∂E/∂Wy uses h_{t−1}, but y_t is computed from h_t: y_t = σ(h_t Wy + by).",
     "∂E/∂Wy = Σ_t h_tᵀ δy_t, with h_t = cache.h[t]."),
    ("Wy_grad_off_by_one", {"Wy_h_prev_wrap"},
     "Your ∂E/∂Wy uses cache.h[t − 1], but y_t is computed from h_t = cache.h[t].",
     "∂E/∂Wy = Σ_t h_tᵀ δy_t."),
    ("recurrent_grad_off_by_one", {"rec_h_t"},
     "Your ∂E/∂Uz, ∂E/∂Ur and ∂E/∂U use h_t, but these weights multiply h_{t−1}.",
     "∂E/∂Uz = Σ_t h_{t−1}ᵀ δz_t, ∂E/∂Ur = Σ_t h_{t−1}ᵀ δr_t, ∂E/∂U = Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t."),
    ("recurrent_grad_off_by_one", {"Uz_h_t"},
     "Your ∂E/∂Uz uses h_t = cache.h[t], but Uz multiplies h_{t−1} in z_t.",
     "∂E/∂Uz = Σ_t h_{t−1}ᵀ δz_t, with h_{t−1} = cache.h0 at t = 0, else cache.h[t − 1]."),
    ("recurrent_grad_off_by_one", {"Ur_h_t"},
     "Your ∂E/∂Ur uses h_t = cache.h[t], but Ur multiplies h_{t−1} in r_t.",
     "∂E/∂Ur = Σ_t h_{t−1}ᵀ δr_t."),
    ("recurrent_grad_off_by_one", {"U_h_t"},
     "Your ∂E/∂U uses r_t ⊙ h_t, but U multiplies r_t ⊙ h_{t−1} in h̃_t.",
     "∂E/∂U = Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t."),
    ("gradients_averaged", {"mean_N"},
     "Your gradients are the right ones divided by N, the number of sequences.",
     "E = ½ Σ (y − d)² is a sum, so its gradients are sums; dy already carries any 1/N of a "
     "mean loss (exercise 5 passes dy = (y − d) / N). Don't divide again."),
    ("gradients_averaged", {"mean_T"},
     "Your gradients are the right ones divided by T, the number of steps.",
     "a shared weight's gradient is the SUM of its steps' shares, not their mean."),
    ("gradients_averaged", {"mean_NT"},
     "Your gradients are the right ones divided by N × T.",
     "sum over the steps and the batch, don't average: dy already carries any 1/N."),
    ("U_grad_r_off_by_one", {"U_r_prev"},
     "Your ∂E/∂U uses r_{t−1} ⊙ h_{t−1} (cache.r[t − 1]); the candidate of step t uses r_t.",
     "∂E/∂U = Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t with r_t = cache.r[t]: only h has a t − 1."),
    ("bias_summed_wrong_axis", {"by_axis1"},
     "Your ∂E/∂by sums δy_t over its outputs (axis=1) instead of over the sequences (axis=0).",
     "δy_t is (N, O) and by is (O,): ∂E/∂by = Σ_t δy_t.sum(axis=0)."),
    ("missing_output_gradients", {"no_output_grads"},
     "Your grads['Wy'] and grads['by'] are zero: the output layer's gradients are missing.",
     "∂E/∂Wy = Σ_t h_tᵀ δy_t and ∂E/∂by = Σ_t Σ_n δy_t; they need no step backward."),
)


# ------------------------------------------------------------------ numerical gradient

def numerical_gradient_with(f, x, eps, flags=frozenset()):
    """The centred difference (f(x + ε e_i) − f(x − ε e_i)) / 2ε per entry, with mistakes.

    Flags: one_sided (forward difference), backward_sided, no_factor_2 (divides by ε),
    sign (f(x − ε) − f(x + ε)), all_at_once (every entry perturbed together), rows_at_once
    (one index on the first axis only), not_restored (x left at x − ε after each entry).
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    if "all_at_once" in flags:
        grad[...] = (f(x + eps) - f(x - eps)) / (2 * eps)
        return grad
    if "rows_at_once" in flags:
        for i in range(x.shape[0]):
            xp, xm = x.copy(), x.copy()
            xp[i] += eps
            xm[i] -= eps
            grad[i] = (f(xp) - f(xm)) / (2 * eps)
        return grad
    f0 = f(x.copy())
    for idx in np.ndindex(x.shape):
        if "not_restored" in flags:
            x[idx] += eps
            fp = f(x.copy())
            x[idx] -= 2 * eps
            fm = f(x.copy())
        else:
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            fp, fm = f(xp), f(xm)
        if "one_sided" in flags:
            grad[idx] = (fp - f0) / eps
        elif "backward_sided" in flags:
            grad[idx] = (f0 - fm) / eps
        elif "no_factor_2" in flags:
            grad[idx] = (fp - fm) / eps
        elif "sign" in flags:
            grad[idx] = (fm - fp) / (2 * eps)
        elif "precedence" in flags:
            grad[idx] = (fp - fm) / 2 * eps
        else:
            grad[idx] = (fp - fm) / (2 * eps)
    return grad


CENTRED = "(f(x + ε e_i) − f(x − ε e_i)) / (2ε)"
NUMERICAL_MISTAKES = (
    ("one_sided_difference", {"one_sided"},
     "You used the forward difference (f(x + ε) − f(x)) / ε: its error shrinks like ε, not ε².",
     f"use the centred difference {CENTRED}, whose error is O(ε²): about 1e-10 at ε = 1e-5."),
    ("one_sided_difference", {"backward_sided"},
     "You used the backward difference (f(x) − f(x − ε)) / ε: its error shrinks like ε, not ε².",
     f"use the centred difference {CENTRED}."),
    ("missing_factor_2", {"no_factor_2"},
     "Your gradient is twice the true one: you divided f(x + ε) − f(x − ε) by ε.",
     f"the two points are 2ε apart: {CENTRED}."),
    ("sign_error", {"sign"},
     "Your gradient has the wrong sign: you computed f(x − ε) − f(x + ε).",
     f"{CENTRED}: the point ahead minus the point behind."),
    ("operator_precedence", {"precedence"},
     "Your gradient is ε² times too small: (f⁺ − f⁻) / 2 * eps divides by 2 and then MULTIPLIES "
     "by ε.", "put the denominator in brackets: (f_plus - f_minus) / (2 * eps)."),
    ("perturbed_all_at_once", {"all_at_once"},
     "You perturbed every entry of x at once, so every entry of your gradient is the same "
     "directional derivative.",
     "perturb ONE entry at a time: loop over np.ndindex(x.shape), add ε to x[i] only, "
     "evaluate, then subtract."),
    ("perturbed_a_row", {"rows_at_once"},
     "You perturbed a whole row x[i] at once: for a 2-D x, x[i] += ε changes every entry of "
     "row i.",
     "loop over every index of x, not just the first axis: for i in np.ndindex(x.shape)."),
    ("x_not_restored", {"not_restored"},
     "You changed x in place and did not put each entry back: after entry i, x stays at x − ε, "
     "so the later entries are taken at the wrong point.",
     "after evaluating f(x − ε), add ε back (x[i] += ε), or perturb a copy of x."),
)
