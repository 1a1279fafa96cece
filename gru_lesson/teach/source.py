"""Show a function's real source in a notebook, with its file and line numbers.

    from gru_lesson.teach.source import show_source
    from gru_lesson.engine import gru
    show_source(gru.step_forward)        # prints gru_lesson/engine/gru.py, lines 40-58, numbered

The lessons print the package's own code beside the equations it implements, never a copy
that could drift: what you see is what runs. Works on functions, classes, methods and modules.
"""

import inspect
import pathlib

_ROOT = pathlib.Path(__file__).resolve().parents[2]      # the directory holding gru_lesson/


def _target(obj):
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)
            or inspect.ismodule(obj)):
        raise ValueError(f"show_source needs a function, class, method or module, got "
                         f"{type(obj).__name__} {obj!r:.60}")
    return obj


def _where(obj):
    path = pathlib.Path(inspect.getsourcefile(obj)).resolve()
    try:
        return path.relative_to(_ROOT).as_posix()
    except ValueError:
        return path.name


def source_listing(obj):
    """The source of obj as text: a header line naming its file and lines, then the lines,
    numbered as in the file."""
    obj = _target(obj)
    try:
        lines, first = inspect.getsourcelines(obj)
    except (OSError, TypeError):
        raise ValueError(f"no Python source available for {getattr(obj, '__name__', obj)!r} "
                         f"(built in, or defined interactively)") from None
    first = max(first, 1)                                   # modules start at line 0
    last = first + len(lines) - 1
    width = len(str(last))
    body = [f"{first + k:>{width}} | {line.rstrip()}" for k, line in enumerate(lines)]
    return "\n".join([f"# {_where(obj)}, lines {first}-{last}", *body])


def show_source(obj):
    """Print the real source of a function, class, method or module, numbered as in its file.
    A ValueError with one line says why when obj has no source."""
    print(source_listing(obj))
