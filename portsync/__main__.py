"""Run portsync as ``python -m portsync``."""

from portsync.cli import main

raise SystemExit(main())
