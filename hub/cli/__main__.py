"""`python -m hub.cli …` runs the `cityhub` command line."""

import sys

from hub.cli import main

sys.exit(main())
