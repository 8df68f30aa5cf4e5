"""Run portsync as ``python -m portsync``."""

from portsync.entry import main

raise SystemExit(main())
