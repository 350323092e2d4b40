"""``python -m rrlsk.cli``: the ``rrlsk`` command."""

import sys

from . import main

sys.exit(main())
