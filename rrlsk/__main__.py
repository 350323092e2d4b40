"""``python -m rrlsk``: the ``rrlsk`` command."""

import sys

from .cli import main

sys.exit(main())
