"""A build step for setuptools (everything else is in pyproject.toml): the wheel ships the
notebooks as package data, in gru_lesson/notebooks/.

The notebooks stay in notebooks/ at the repository's root, where the whole project refers to
them; they are copied into the package only while a wheel is built. An editable install skips
the copy: gru_lesson.course reads notebooks/ in place.
"""

import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = pathlib.Path(__file__).resolve().parent / "notebooks"


class BuildPyWithNotebooks(build_py):
    """build_py, then notebooks/*.ipynb into <build>/gru_lesson/notebooks/."""

    def _notebook_targets(self):
        target = pathlib.Path(self.build_lib) / "gru_lesson" / "notebooks"
        return [(src, target / src.name) for src in sorted(NOTEBOOKS.glob("*.ipynb"))]

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        pairs = self._notebook_targets()
        if not pairs:
            raise SystemExit(f"setup.py: no notebooks in {NOTEBOOKS}: the wheel must ship them")
        pairs[0][1].parent.mkdir(parents=True, exist_ok=True)
        for src, dst in pairs:
            self.copy_file(str(src), str(dst))

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [str(dst) for _, dst in self._notebook_targets()]


setup(cmdclass={"build_py": BuildPyWithNotebooks})
