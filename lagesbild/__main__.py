"""`python -m lagesbild`: the command line."""

import sys

from lagesbild.cli import main

sys.exit(main())
