"""``python -m layerlint``: the same command line as ``layerlint``."""

from layerlint.cli import main

main()
