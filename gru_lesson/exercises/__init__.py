"""The exercises' checkers: each runs a student's function and names the mistake it makes.

    from gru_lesson import exercises as ex
    ex.check_step_forward(gru_step_forward)       # prints a verdict, returns a CheckResult

checkers.py holds the checkers (what is compared, on which cases); mistakes.py the catalogue of
common mistakes (each a wrong computation and the sentence that names it).
"""

from .checkers import (
    KNOWN_MISTAKES,
    STEP_BUDGET,
    TOL,
    CheckResult,
    StepCache,
    check_bptt,
    check_gradient_check,
    check_numerical_gradient,
    check_sigmoid,
    check_sigmoid_derivative,
    check_step_backward,
    check_step_backward_reset_after,
    check_step_dx,
    check_step_forward,
    check_training,
    known_mistakes,
)
from .inline import *  # noqa: F403  (the lessons' "your turn" checkers: inline.__all__)

__all__ = ["STEP_BUDGET", "TOL", "CheckResult", "StepCache", "check_bptt",
           "check_gradient_check", "check_numerical_gradient", "check_sigmoid",
           "check_sigmoid_derivative", "check_step_backward", "check_step_backward_reset_after",
           "check_step_dx", "check_step_forward", "check_training", "KNOWN_MISTAKES",
           "known_mistakes"]
