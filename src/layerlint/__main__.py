"""``python -m layerlint``: the same command line as the ``layerlint`` script."""

from layerlint.cli import main

if __name__ == "__main__":
    main()
