# The README's two commands: `make lab` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test lint venv bench site clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# the static site: _build/site/index.html (Sphinx + myst-nb; see docs/build.py)
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): requirements-docs.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-docs.txt
	touch $(DOCS_STAMP)

site: $(DOCS_STAMP)
	$(BIN)/python docs/build.py

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check gru_lesson tests benchmarks scripts docs

# The exercises' student release, without solutions, through nbgrader generate_assignment:
# course/release/gru_exercises/09_exercises.ipynb (the README's "For teachers" says how to grade).
handout: $(STAMP)
	$(BIN)/python scripts/make_exercise_notebooks.py --handout

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_widgets.py

clean:
	rm -rf $(VENV) *.egg-info _build
