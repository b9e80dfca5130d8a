"""End to end with transformers: SmolLM2-135M-Instruct, loaded by
transformers from the GGUF `cargo xtask model` fetches, generates the demo
functions on the CPU under `AnankeLogitsProcessor`; every program parses
and passes `mypy --strict`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any, Tuple

import pytest
import torch

import ananke
from ananke.hf import AnankeLogitsProcessor, apply_bitmask
from conftest import MODEL_DIR, REPO

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMOS = sorted((REPO / "demo").glob("*.toml"))

_MODEL: Any = None


def model_and_tokenizer() -> Tuple[Any, Any]:
    global _MODEL
    if _MODEL is None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(MODEL_DIR), gguf_file=GGUF)
        model = AutoModelForCausalLM.from_pretrained(str(MODEL_DIR), gguf_file=GGUF, dtype=torch.float32)
        model.eval()
        _MODEL = (model, tokenizer)
    return _MODEL


def test_apply_bitmask_unpacks_bits_in_engine_order() -> None:
    bitmask = torch.tensor([[0b1010, -1]], dtype=torch.int32)
    allowed = apply_bitmask(bitmask, 70)
    assert allowed.shape == (1, 70)
    assert allowed[0, :4].tolist() == [False, True, False, True]
    assert allowed[0, 32:64].all() and not allowed[0, 64:].any()


@pytest.mark.parametrize("demo", DEMOS, ids=lambda p: p.stem)
def test_demo_programs_parse_and_pass_mypy_strict(demo: Path, tmp_path: Path) -> None:
    model, tokenizer = model_and_tokenizer()
    spec = ananke.Spec.from_file(demo)
    result = ananke.generate(model, None, spec, tokenizer=tokenizer, max_new_tokens=160)
    assert result.code.startswith(spec.prompt.rstrip("\n"))
    assert result.accepted, result.code
    assert result.stop in ("end", "finished", "rescued")
    print(f"{demo.stem}: {result.stop}, {len(result.trace)} tokens, masks {result.mask_seconds:.1f} s")
    assert result.trace and all(s.mask_size > 0 for s in result.trace)
    ast.parse(result.code)
    program = tmp_path / f"{demo.stem}.py"
    program.write_text(result.code + ("" if result.code.endswith("\n") else "\n"))
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        capture_output=True,
        text=True,
    )
    assert mypy.returncode == 0, mypy.stdout + result.code


def test_beams_fork_matchers(cl100k: ananke.Tokenizer) -> None:
    """Beam search gives one parent several children: the processor forks
    the parent's matcher for each."""
    compiled = ananke.Compiler(cl100k).compile(ananke.Spec())
    processor = AnankeLogitsProcessor(compiled, num_beams=2)
    a, b = cl100k.encode("x"), cl100k.encode("y")
    prompt = torch.tensor([[1, 2], [1, 2]])
    scores = torch.zeros((2, cl100k.vocab_size))
    out = processor(prompt, scores)
    assert torch.isinf(out).any() and not torch.isinf(out[:, a[0]]).any()
    # Two beams of one parent draw different tokens: two matchers.
    processor(torch.tensor([[1, 2, a[0]], [1, 2, b[0]]]), scores)
    m0, m1 = processor.matchers
    assert m0 is not m1 and m0.tokens == a and m1.tokens == b
    # Both continue from the first beam: its matcher is forked for the second.
    eq, add = cl100k.encode(" =")[0], cl100k.encode(" +=")[0]
    processor(torch.tensor([[1, 2, a[0], eq], [1, 2, a[0], add]]), scores)
    n0, n1 = processor.matchers
    assert n0.tokens == a + [eq] and n1.tokens == a + [add]
    # Identical beams share one matcher until they differ.
    processor(torch.tensor([[1, 2, a[0], eq, 16], [1, 2, a[0], eq, 16]]), scores)
    assert processor.matchers[0] is processor.matchers[1]
