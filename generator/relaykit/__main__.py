"""``python -m relaykit``: the ``relaykit`` command line."""

import sys

from .cli import main

sys.exit(main())
