"""`python -m server_stub.cli`: the same as `ordo-server`."""

import sys

from server_stub.cli import main

sys.exit(main())
