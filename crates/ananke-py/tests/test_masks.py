"""The bitmask the Python API fills equals the Rust mask bit for bit, and
the batch fill equals row-by-row fills.

The Rust side is `ananke check --dump-masks`, which writes every mask
`Session::compute_mask` produced, in another process; the Python side
fills numpy and torch bitmasks at the same states.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import List

import numpy as np
import pytest

import ananke
from conftest import BIN, VOCABS, compiled, records, tokenizer

SAMPLE = [0, 37, 101, 190, 263]


def rust_masks(tmp_path: Path, vocab: str, source: str) -> np.ndarray:
    program = tmp_path / "program.py"
    program.write_text(source, encoding="utf-8")
    dump = tmp_path / "masks.bin"
    subprocess.run(
        [str(BIN), "check", "--tokenizer", vocab, "--file", str(program), "--dump-masks", str(dump)],
        check=True,
        capture_output=True,
    )
    words = ananke.bitmask_words(tokenizer(vocab).vocab_size)
    return np.fromfile(dump, dtype="<i4").reshape(-1, words)


@pytest.mark.parametrize("vocab", VOCABS)
def test_bitmask_equals_the_rust_mask_bit_for_bit(tmp_path: Path, vocab: str) -> None:
    programs = records("mbpp_typed.jsonl")
    tok = tokenizer(vocab)
    checked = 0
    for i in SAMPLE:
        source = programs[i]["source"]
        expected = rust_masks(tmp_path, vocab, source)
        tokens = tok.encode(source)
        assert len(expected) == len(tokens)
        matcher = ananke.Matcher(compiled(vocab))
        bitmask = ananke.allocate_token_bitmask(2, tok.vocab_size)
        for step, token in enumerate(tokens):
            # Row 1, so that the index is honoured too; row 0 stays as it was.
            matcher.fill_next_token_bitmask(bitmask, 1)
            assert np.array_equal(bitmask[1], expected[step]), f"program {i}, step {step}"
            assert (bitmask[0] == -1).all()
            assert matcher.consume_token(token)
            checked += 1
    assert checked > 400  # every step of five programs


def test_a_torch_bitmask_is_filled_in_place(default_cl100k: ananke.Compiled) -> None:
    import torch

    matcher = ananke.Matcher(default_cl100k)
    words = ananke.bitmask_words(default_cl100k.vocab_size)
    tensor = torch.zeros((3, words), dtype=torch.int32)
    address = tensor.data_ptr()
    matcher.fill_next_token_bitmask(tensor, 2)
    array = np.zeros((1, words), dtype=np.int32)
    matcher.fill_next_token_bitmask(array)
    assert tensor.data_ptr() == address
    assert np.array_equal(tensor[2].numpy(), array[0])
    assert int(tensor[:2].abs().sum()) == 0
    # A row's bits are the allowed tokens.
    allowed = set(matcher.allowed_tokens())
    bits = np.unpackbits(array[0].view(np.uint8), bitorder="little")
    assert set(np.nonzero(bits)[0].tolist()) == allowed


def states(compiled_spec: ananke.Compiled, sources: List[str], tok: ananke.Tokenizer) -> List[ananke.Matcher]:
    """Matchers part-way through each source (half its tokens)."""
    matchers = []
    for source in sources:
        m = ananke.Matcher(compiled_spec)
        tokens = tok.encode(source)
        assert m.consume_tokens(tokens[: len(tokens) // 2])
        matchers.append(m)
    return matchers


def test_batch_fill_equals_row_by_row(cl100k: ananke.Tokenizer, default_cl100k: ananke.Compiled) -> None:
    sources = [r["source"] for r in records("mbpp_typed.jsonl")[:16]]
    matchers = states(default_cl100k, sources, cl100k)
    rows = list(reversed(range(len(matchers))))
    batch = ananke.allocate_token_bitmask(len(matchers), cl100k.vocab_size)
    ananke.fill_next_token_bitmask_batch(matchers, batch, rows)
    single = ananke.allocate_token_bitmask(len(matchers), cl100k.vocab_size)
    for m, row in zip(matchers, rows):
        m.fill_next_token_bitmask(single, row)
    assert np.array_equal(batch, single)
    # Distinct states, distinct masks: the rows are not all one mask.
    assert len({batch[i].tobytes() for i in range(len(matchers))}) > 4


def test_another_thread_runs_during_a_batch_fill(cl100k: ananke.Tokenizer) -> None:
    """The GIL is released: a Python thread keeps running while the batch
    is computed. Each fill starts from fresh matchers, whose first masks
    are not cached yet, so the call is long."""
    tok = cl100k
    sources = [r["source"] for r in records("mbpp_typed.jsonl")[:64]]
    compiled_spec = ananke.Compiler(tok).compile(ananke.Spec())
    matchers = states(compiled_spec, sources, tok)
    bitmask = ananke.allocate_token_bitmask(len(matchers), tok.vocab_size)
    ticks: List[float] = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=count)
    thread.start()
    time.sleep(0.05)
    start = time.perf_counter()
    ananke.fill_next_token_bitmask_batch(matchers, bitmask)
    end = time.perf_counter()
    stop.set()
    thread.join()
    inside = [t for t in ticks if start < t < end]
    assert end - start > 0.02, "the batch was too quick to tell"
    # With the GIL held for the whole call the thread could only run in a
    # switch interval before the call began (5 ms); it ran for most of it.
    assert inside and inside[-1] - inside[0] > 0.5 * (end - start)
