"""``python -m tinykeras``: see ``tinykeras.cli``."""

import sys

from tinykeras.cli import main

sys.exit(main())
