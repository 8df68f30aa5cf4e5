"""``portsync import``: propose a ports.yaml for a repository that has none, or write it."""

from __future__ import annotations

from pathlib import Path

from portsync.adoption.inference import infer
from portsync.adoption.proposal import propose, write_proposal
from portsync.report import Output


def run_import(root: Path, write: bool) -> Output:
    """Print (or with ``write`` create) the proposed ports.yaml for the repository at root."""
    proposal = propose(infer(root.absolute()))
    if write:
        return write_proposal(root.absolute(), proposal)
    return Output([proposal.text.rstrip("\n")], [proposal.summary], 0)
