"""Entry point for `python -m core`."""

import os

# First, before anything can import TensorFlow: its C++ logging reads this once, at import. setdefault, so a
# user's own TF_CPP_MIN_LOG_LEVEL (0 to see everything) wins. core.cli also filters the start-up lines that
# TensorFlow 2.19+ prints regardless of it (see core.cli.import_keras_quietly).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sys  # noqa: E402

from core.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
