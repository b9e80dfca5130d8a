"""The MBPP programs and their ill-typed mutants, force-fed through the
Python API, get exactly the verdicts `ananke check` gives: accepted or
not, and the same rejecting token.

Each program is fed as `ananke check` feeds it: at each token the mask is
filled into a bitmask, the token must be allowed there and then accepted
by `consume_token`; after the last one the matcher must be accepting. The
CLI runs in a subprocess at the same time (two cores, two sides).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Dict, List, Optional

import numpy as np
import pytest

import ananke
from conftest import BIN, DATA, VOCABS, compiled, records, tokenizer


def feed(compiled_spec: ananke.Compiled, tok: ananke.Tokenizer, source: str) -> Dict[str, Any]:
    tokens = tok.encode(source)
    matcher = ananke.Matcher(compiled_spec)
    bitmask = ananke.allocate_token_bitmask(1, tok.vocab_size)
    for index, token in enumerate(tokens):
        matcher.fill_next_token_bitmask(bitmask, 0)
        allowed = bool((int(bitmask[0, token >> 5]) >> (token & 31)) & 1)
        if not (allowed and matcher.consume_token(token)):
            return {"tokens": len(tokens), "accepted": False, "rejected_at": index}
    return {"tokens": len(tokens), "accepted": matcher.is_accepting(), "rejected_at": None}


def verdict(record: Dict[str, Any]) -> Dict[str, Any]:
    at: Optional[Dict[str, Any]] = record["rejected_at"]
    return {
        "tokens": record["tokens"],
        "accepted": record["accepted"],
        "rejected_at": None if at is None else at["token_index"],
    }


@pytest.mark.parametrize("vocab", VOCABS)
@pytest.mark.parametrize("corpus", ["mbpp_typed.jsonl", "mbpp_mutants.jsonl"])
def test_python_verdicts_equal_ananke_check(vocab: str, corpus: str) -> None:
    cli = subprocess.Popen(
        [str(BIN), "check", "--tokenizer", vocab, "--jsonl", str(DATA / corpus), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    programs = records(corpus)
    c = compiled(vocab)
    tok = tokenizer(vocab)
    ours: List[Dict[str, Any]] = [feed(c, tok, p["source"]) for p in programs]
    out, _ = cli.communicate()
    # `ananke check` exits 1 when a program is rejected (every mutant corpus
    # has some), 0 when all are accepted.
    expected = 0 if corpus == "mbpp_typed.jsonl" else 1
    assert cli.returncode == expected, f"ananke check exited with {cli.returncode}"
    theirs = [verdict(json.loads(line)) for line in out.splitlines() if line.strip()]
    assert len(theirs) == len(programs)
    mismatches = [
        (p["id"], o, t) for p, o, t in zip(programs, ours, theirs) if o != t
    ]
    assert not mismatches, f"{len(mismatches)} verdicts differ, first: {mismatches[:3]}"
    # The corpus is what it claims: typed programs pass, mutants mostly not.
    accepted = sum(o["accepted"] for o in ours)
    if corpus == "mbpp_typed.jsonl":
        assert accepted == len(programs)
    else:
        assert accepted < len(programs)
