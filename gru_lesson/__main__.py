"""``python -m gru_lesson``: see gru_lesson/cli.py."""

import sys

from .cli import main

sys.exit(main())
