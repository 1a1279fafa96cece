"""``python -m gru_lesson``: see gru_lesson/cli.py."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:              # Ctrl-C before the CLI is loaded: a quiet exit
    sys.exit(130)

sys.exit(main())
