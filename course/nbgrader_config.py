"""nbgrader's configuration for grading notebooks/09_exercises.ipynb (run nbgrader from here).

    make handout                                  # -> course/release/gru_exercises/
    nbgrader collect gru_exercises                # or put submissions in submitted/<student>/
    nbgrader autograde gru_exercises              # runs every submission, scores the checks
    nbgrader generate_feedback gru_exercises      # feedback/<student>/...: the checkers' words

The source (source/gru_exercises/09_exercises.ipynb) is written by
scripts/make_exercise_notebooks.py --handout from the same cells as the two notebooks.
"""

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "gru_lesson"
# The same stub as the repository's notebooks/09_exercises.ipynb (nbgrader's default for Python).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# Exercise 5 trains a net: allow it a few minutes per cell on a slow machine.
c.ExecutePreprocessor.timeout = 600
