"""The SGLang and vLLM adapters, driven through the engines' own base
classes (from their packages, installed without their dependency sets),
with the call sequence each engine's scheduler makes."""

from __future__ import annotations

from typing import List

import numpy as np
import pytest
import torch

import ananke

SPEC = '[imports]\nforbidden = ["os"]\n'
PROGRAM = "import math\n\n\ndef area(r: float) -> float:\n    return math.pi * r * r\n"


def test_sglang_backend_is_registered_and_drives_a_request(cl100k: ananke.Tokenizer) -> None:
    from sglang.srt.constrained import base_grammar_backend as base

    import ananke.sglang as adapter

    assert base.GRAMMAR_BACKEND_REGISTRY["ananke"] is adapter.create
    backend = base.GRAMMAR_BACKEND_REGISTRY["ananke"](None, cl100k, cl100k.vocab_size, set(cl100k.eos_token_ids))
    assert isinstance(backend, base.BaseGrammarBackend)
    # The scheduler asks for the grammar of a request key; a miss compiles
    # it on the backend's executor and caches a copy.
    key = ("ebnf", SPEC)
    future, hit = backend.get_cached_or_future_value(key, False)
    assert not hit
    grammar = future.result()
    assert isinstance(grammar, base.BaseGrammarObject) and isinstance(grammar, adapter.AnankeGrammar)
    backend.set_cache(key, grammar.copy())
    again, hit = backend.get_cached_or_future_value(key, False)
    assert hit and again is not grammar
    # Two requests in one batch: masks filled, moved, applied; tokens accepted.
    other = again
    vocab_mask = grammar.allocate_vocab_mask(cl100k.vocab_size, 2, "cpu")
    tokens = cl100k.encode(PROGRAM)
    for step, token in enumerate(tokens):
        grammar.fill_vocab_mask_batched(
            [base.GrammarRow(0, grammar), base.GrammarRow(1, other)], vocab_mask
        )
        mask = grammar.move_vocab_mask(vocab_mask, "cpu")
        logits = torch.zeros((2, cl100k.vocab_size))
        grammar.apply_vocab_mask(logits, mask)
        assert logits[0, token] == 0, f"step {step}"
        grammar.accept_token(token)
        if step == 0:
            assert torch.equal(logits[0], logits[1])
    eos = cl100k.eos_token_ids[0]
    grammar.fill_vocab_mask(vocab_mask, 0)
    logits = torch.zeros((1, cl100k.vocab_size))
    grammar.apply_vocab_mask(logits, vocab_mask[:1])
    assert logits[0, eos] == 0
    grammar.accept_token(eos)
    assert grammar.is_terminated() and grammar.finished
    grammar.rollback(2)
    assert not grammar.is_terminated() and not grammar.finished
    # The other request is where it was: at the start.
    assert other.matcher.tokens == []
    with pytest.raises(ValueError):
        other.accept_token(cl100k.encode(")")[0])


def test_sglang_jump_forward_and_refusals(cl100k: ananke.Tokenizer) -> None:
    from sglang.srt.constrained import base_grammar_backend as base

    import ananke.sglang as adapter

    backend = adapter.create(None, cl100k, cl100k.vocab_size)
    grammar = backend._init_value_dispatch(("ebnf", SPEC), False)
    for t in cl100k.encode("def f(x: int) -> int:\n    return x"):
        grammar.accept_token(t)
    helper = grammar.try_jump_forward(cl100k)
    if helper is not None:
        text, _ = grammar.jump_forward_str_state(helper)
        assert cl100k.decode(helper[0]) == text
    # Not an Ananke spec: SGLang's invalid grammar object, not a crash.
    assert isinstance(backend._init_value_dispatch(("json", '{"type": "object"}'), False), base.InvalidGrammarObject)
    assert isinstance(backend._init_value_dispatch(("ebnf", "[imports\n"), False), base.InvalidGrammarObject)
    wrapped = backend._init_value_dispatch(("json", '{"ananke_spec": "[imports]\\nforbidden = [\\"os\\"]\\n"}'), False)
    assert isinstance(wrapped, adapter.AnankeGrammar)


def test_vllm_backend_drives_a_request(cl100k: ananke.Tokenizer) -> None:
    from vllm.v1.structured_output.backend_types import (
        StructuredOutputBackend,
        StructuredOutputGrammar,
        StructuredOutputOptions,
    )

    from ananke.vllm import AnankeBackend

    # vLLM pads the vocabulary; the bitmask covers the model's size.
    padded = cl100k.vocab_size + 75
    backend = AnankeBackend(vllm_config=None, tokenizer=cl100k, vocab_size=padded)
    assert isinstance(backend, StructuredOutputBackend)
    grammar = backend.compile_grammar(StructuredOutputOptions.GRAMMAR, SPEC, set(cl100k.eos_token_ids))
    assert isinstance(grammar, StructuredOutputGrammar)
    with pytest.raises(ValueError):
        backend.compile_grammar(StructuredOutputOptions.JSON, "{}")
    bitmask = backend.allocate_token_bitmask(4)
    assert bitmask.shape == (4, (padded + 31) // 32) and bitmask.dtype == torch.int32
    tokens = cl100k.encode(PROGRAM)
    # The scheduler's order: validate the draft, accept, fill the next row.
    assert grammar.validate_tokens(tokens) == tokens
    bad = cl100k.encode(")")
    assert grammar.validate_tokens(tokens[:3] + bad) == tokens[:3]
    for t in tokens:
        grammar.fill_bitmask(bitmask, 2)
        row = bitmask[2].numpy()
        assert (row[t >> 5] >> (t & 31)) & 1
        assert grammar.accept_tokens("req-1", [t])
    # Ids past the tokenizer's vocabulary are never allowed.
    last = cl100k.vocab_size
    assert not any((int(bitmask[2, i >> 5]) >> (i & 31)) & 1 for i in range(last, padded))
    assert not grammar.accept_tokens("req-1", bad)
    assert grammar.accept_tokens("req-1", [cl100k.eos_token_ids[0]])
    assert grammar.is_terminated()
    grammar.rollback(1)
    assert not grammar.is_terminated()
    grammar.reset()
    assert grammar.validate_tokens(cl100k.encode("import os\n")) != cl100k.encode("import os\n")
    # Generating, a model cannot silence the types domain with a comment.
    silenced = cl100k.encode("x: int = 'a'  # type: ignore\n")
    assert grammar.validate_tokens(silenced) != silenced
    backend.destroy()


def test_vllm_install_patches_the_manager_and_the_request_check() -> None:
    from vllm import sampling_params
    from vllm.v1 import structured_output

    import ananke.vllm as adapter

    before = structured_output.StructuredOutputManager.grammar_init
    adapter.install()
    adapter.install()
    assert structured_output.StructuredOutputManager.grammar_init is not before
    assert structured_output.StructuredOutputManager._ananke_installed
    assert adapter.is_spec(SPEC) and not adapter.is_spec("root ::= 'a'")
    assert sampling_params.SamplingParams._validate_structured_outputs.__name__ == "validate"
