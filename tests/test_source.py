"""show_source prints the real lines of the file, numbered as in the file, and says why when
there is no source."""

import pathlib
import re

import pytest

import gru_lesson
from gru_lesson.engine import activations, fast, gradcheck
from gru_lesson.teach.source import show_source, source_listing

ROOT = pathlib.Path(gru_lesson.__file__).resolve().parents[1]


def parse(listing):
    header, *body = listing.splitlines()
    m = re.fullmatch(r"# (\S+), lines (\d+)-(\d+)", header)
    assert m, header
    numbered = [re.fullmatch(r"\s*(\d+) \| (.*)", line).groups() for line in body]
    return m.group(1), int(m.group(2)), int(m.group(3)), numbered


@pytest.mark.parametrize("obj", [activations.sigmoid, gradcheck.check_gradients,
                                 fast.GRUCache])
def test_listing_is_the_file_itself(obj):
    path, first, last, numbered = parse(source_listing(obj))
    file_lines = (ROOT / path).read_text().splitlines()
    assert path.startswith("gru_lesson/") and path.endswith(".py")
    assert len(numbered) == last - first + 1
    for number, text in numbered:
        assert file_lines[int(number) - 1].rstrip() == text
    assert numbered[0][1].lstrip().startswith(("def ", "class ", "@"))
    assert obj.__name__ in numbered[0][1] or obj.__name__ in numbered[1][1]


def test_a_module_is_listed_from_line_one():
    path, first, last, numbered = parse(source_listing(activations))
    assert path == "gru_lesson/engine/activations.py" and first == 1
    assert last == len((ROOT / path).read_text().splitlines())


def test_show_source_prints_the_listing(capsys):
    assert show_source(activations.tanh) is None
    assert capsys.readouterr().out == source_listing(activations.tanh) + "\n"


def test_a_function_outside_the_repo_is_named_by_its_file():
    import json
    path, *_ = parse(source_listing(json.dumps))
    assert path == "__init__.py"


@pytest.mark.parametrize("bad, match", [(3, "needs a function"), (len, "needs a function"),
                                        ("gru.forward", "needs a function")])
def test_not_a_function(bad, match):
    with pytest.raises(ValueError, match=match):
        source_listing(bad)


def test_no_source_available():
    namespace = {}
    exec("def made_here(x):\n    return x\n", namespace)      # no file behind it
    with pytest.raises(ValueError, match="no Python source available for 'made_here'"):
        source_listing(namespace["made_here"])

