"""`python -m lagesbild`: the command line."""

import os
import sys

from lagesbild.cli import main

EXIT_PIPE_CLOSED = 128 + 13  # what a shell reports for a process stopped by SIGPIPE


def run() -> int:
    """Run the CLI; when the reader of its output goes away (`… | head -1`), stop quietly as Unix tools do."""
    try:
        code = main()
        sys.stdout.flush()   # inside the try: the last buffered output is where a closed pipe usually shows
    except BrokenPipeError:
        # Point stdout at /dev/null so that the interpreter's own flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    return code


if __name__ == "__main__":
    sys.exit(run())
