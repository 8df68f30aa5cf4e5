#!/usr/bin/env python3
"""The Lumiere seed's ``scripts/update_ports.py [--check | --dry-run]``, now run by portsync.

Teams whose docs, CI jobs and muscle memory say ``scripts/update_ports.py``
keep that interface; the work is done by portsync on the ``ports.yaml`` next to
this ``scripts/`` folder (whatever the current directory is).

    python scripts/update_ports.py            # sync every config file
    python scripts/update_ports.py --check    # report drift, exit 1 if any
    python scripts/update_ports.py --dry-run  # print the diff, write nothing

Any further option (``--env development``, ``--format github``, ``-q``...) is
passed to portsync unchanged. Exit codes are portsync's: 0 in sync / written,
1 drift, 2 bad registry or target, 3 internal error.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def portsync_args(argv: Sequence[str]) -> list[str]:
    """Translate the seed's command line into portsync's."""
    parser = argparse.ArgumentParser(
        prog="update_ports.py",
        description="Sync every config file with ports.yaml (runs portsync).",
        epilog="Other options are passed to portsync (see `portsync --help`).",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="verify every config matches ports.yaml; exit 1 on drift")
    mode.add_argument("--dry-run", action="store_true",
                      help="show the changes as a unified diff; write nothing")
    parser.add_argument("-r", "--registry", default=str(ROOT / "ports.yaml"),
                        help="ports.yaml to use (default: %(default)s)")
    args, rest = parser.parse_known_args(argv)
    flags = ["--check"] if args.check else ["--dry-run"] if args.dry_run else []
    return ["sync", *flags, "-r", args.registry, *rest]


def main(argv: Sequence[str] | None = None) -> int:
    """Run portsync with the translated arguments; returns its exit code."""
    args = portsync_args(sys.argv[1:] if argv is None else argv)
    if importlib.util.find_spec("portsync") is None:
        # A checkout without `pip install .`: use the package beside this folder.
        sys.path.insert(0, str(ROOT))
    from portsync.cli import main as portsync_main

    return portsync_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
