"""``python -m adameps`` = the ``adameps`` command (:mod:`adameps.cli`)."""

import sys

from adameps.cli import main

sys.exit(main())
