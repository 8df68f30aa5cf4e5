"""``portsync import``: propose a ports.yaml for a repository that has none, or write it."""

from __future__ import annotations

from pathlib import Path

from portsync import fsio
from portsync.adoption.inference import infer
from portsync.adoption.proof import Proposal, prove
from portsync.errors import UsageError
from portsync.registry.finding import REGISTRY_NAME
from portsync.report import Output
from portsync.yamlkit import parsers


def summary(proposal: Proposal, files: int) -> str:
    """``4 services, 6 targets from 38 port mentions in 24 files; 2 notes``."""
    notes = f"; {proposal.notes} note{'s' if proposal.notes != 1 else ''} in its header" \
        if proposal.notes else ""
    return (f"{proposal.services} services, {proposal.targets} targets from "
            f"{proposal.mentions} port mentions in {files} files{notes}")


def run_import(root: Path, write: bool) -> Output:
    """Print (or with ``write`` create) the proposed ports.yaml for the repository at root.

    Nothing to propose (no port mentions, or none that could be made valid) is
    one line and exit 0, and nothing is written.
    """
    root = root.absolute()
    target = root / REGISTRY_NAME
    if write and target.exists():
        raise UsageError(f"{fsio.display_path(target)} already exists; not overwriting it "
                         "(run without --write to see the proposal)")
    with parsers.remembered():  # the proof plans the files the scan has parsed
        inferred = infer(root)
        proposal = prove(inferred)
    if proposal.empty:
        line = (f"nothing to propose: no port mentions found in {inferred.files} files"
                if not inferred.found else
                f"nothing to propose: none of {inferred.found} port mentions in "
                f"{inferred.files} files could be given to a service")
        return Output([], [line], 0, line)
    line = summary(proposal, inferred.files)
    if write:
        fsio.create_new(target, proposal.text, fsio.display_path(target))
        return Output([f"wrote {REGISTRY_NAME}: {line}"], [], 0)
    return Output([proposal.text.rstrip("\n")], [line], 0)
