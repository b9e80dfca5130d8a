"""Shared fixtures: the vocabularies, compiled specs, the `ananke` binary
(the Rust side of every comparison), the evaluation data and the model.

`cargo xtask test` sets ANANKE_BIN, ANANKE_PLUGIN_DIR, ANANKE_MODEL_DIR and
ANANKE_REPO; run by hand, they default to the workspace's own paths.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import ananke

REPO = Path(os.environ.get("ANANKE_REPO", Path(__file__).resolve().parents[3]))
DATA = Path(os.environ.get("ANANKE_DATA_DIR", REPO.parent / "shared" / "data"))
BIN = Path(os.environ.get("ANANKE_BIN", REPO / "target" / "debug" / "ananke"))
PLUGINS = Path(os.environ.get("ANANKE_PLUGIN_DIR", REPO / "target" / "plugins" / "debug"))
MODEL_DIR = Path(os.environ.get("ANANKE_MODEL_DIR", REPO / ".cache" / "model"))
VOCABS = ["cl100k_base", "o200k_base"]


def records(name: str) -> List[Dict[str, Any]]:
    with open(DATA / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ananke_check(args: List[str]) -> List[Dict[str, Any]]:
    """Runs `ananke check ARGS --json` and returns its records."""
    out = subprocess.run(
        [str(BIN), "check", *args, "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


_TOKENIZERS: Dict[str, ananke.Tokenizer] = {}
_COMPILED: Dict[str, ananke.Compiled] = {}


def tokenizer(name: str) -> ananke.Tokenizer:
    if name not in _TOKENIZERS:
        _TOKENIZERS[name] = ananke.Tokenizer.from_tiktoken(name)
    return _TOKENIZERS[name]


def compiled(name: str) -> ananke.Compiled:
    """The default spec (every domain) over `name`, as `ananke check`
    compiles it with no spec."""
    if name not in _COMPILED:
        _COMPILED[name] = ananke.Compiler(tokenizer(name)).compile(ananke.Spec())
    return _COMPILED[name]


@pytest.fixture(scope="session")
def cl100k() -> ananke.Tokenizer:
    return tokenizer("cl100k_base")


@pytest.fixture(scope="session")
def default_cl100k() -> ananke.Compiled:
    return compiled("cl100k_base")
