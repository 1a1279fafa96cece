"""The exercises graded as a class would be, with nbgrader: the handout (generate_assignment),
then autograde and generate_feedback on three submissions.

alice hands in the worked solutions: full marks. bob hands in the release untouched: 0. carol
does exercises 1a and 1b right and swaps z and 1 − z in exercise 2: 2 points, and her feedback
carries the checker's sentence naming the swap.
"""

import pathlib
import shutil

import nbformat
import pytest
from test_exercise_catalogue import GEN  # the notebooks' generator

pytest.importorskip("nbgrader")

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "course" / "nbgrader_config.py", course)
    released = GEN.handout(course)
    return course, released


def _submit(course, student, nb):
    folder = course / "submitted" / student / GEN.ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / GEN.EXERCISES.name)


def _carol(released):
    """The release with 1a and 1b solved and exercise 2's update written the wrong way round."""
    nb = nbformat.read(released, as_version=4)
    solutions = {c[2]: c[1] for c in GEN.CELLS if c[0] == "exercise"}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ("ex1a_sigmoid", "ex1b_dsigmoid"):
            cell.source = solutions[grade_id]
        if grade_id == "ex2_step_forward":
            cell.source = solutions[grade_id].replace(
                "h = (1.0 - z) * h_prev + z * h_tilde", "h = z * h_prev + (1.0 - z) * h_tilde")
    return nb


def test_the_release_is_the_students_notebook(course):
    _, released = course
    release = nbformat.read(released, as_version=4)
    student = nbformat.read(GEN.EXERCISES, as_version=4)
    assert [c.source for c in release.cells] == [c.source for c in student.cells]
    text = "\n".join(c.source for c in release.cells)
    assert "BEGIN SOLUTION" not in text and "(solution)" not in text
    assert "raise NotImplementedError()" in text
    kinds = [c.metadata["nbgrader"] for c in release.cells]
    assert sum(k["solution"] for k in kinds) == 10
    assert all(k["locked"] for k in kinds if not k["solution"])      # tests and text locked
    assert sum(k["points"] for k in kinds if k["grade"]) == 22


def test_autograde_scores_and_feedback(course):
    from nbgrader.api import Gradebook

    path, released = course
    _submit(path, "alice", nbformat.read(GEN.SOLUTIONS, as_version=4))
    _submit(path, "bob", nbformat.read(released, as_version=4))
    _submit(path, "carol", _carol(released))
    GEN.nbgrader(path, "autograde", GEN.ASSIGNMENT)
    GEN.nbgrader(path, "generate_feedback", GEN.ASSIGNMENT)
    with Gradebook(f"sqlite:///{path / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(GEN.ASSIGNMENT, s).score for s in ("alice", "bob", "carol")}
        top = gb.find_submission(GEN.ASSIGNMENT, "alice").max_score
    assert top == 22 and scores == {"alice": 22, "bob": 0, "carol": 2}

    def feedback(student):
        return (path / "feedback" / student / GEN.ASSIGNMENT / "09_exercises.html").read_text()
    alice, bob, carol = feedback("alice"), feedback("bob"), feedback("carol")
    assert alice.count("✅ Correct:") == 10 and "Hint:" not in alice
    assert bob.count(": not attempted yet") == 10
    assert "You swapped z and 1 − z" in carol and "Hint:" in carol
    assert carol.count("✅ Correct:") == 2
