"""``python -m mrio_city``: the command line (same as the ``mrio-city`` script)."""

import sys

from mrio_city.commands.main import main

if __name__ == "__main__":
    sys.exit(main())
