"""``python -m conformance.report RESULTS... --out DIR``: the report subcommand on its own."""

import sys

from . import main

sys.exit(main())
