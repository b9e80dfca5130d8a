"""Ananke: typed Python that is correct by construction, token by token.

Inference engines call a grammar object once per token; this package is
Ananke's. The compiled core (``ananke._ananke``) holds the tokenizers, the
spec compiler and the :class:`Matcher`; the pure-Python modules adapt it to
engines:

- :mod:`ananke.hf` — ``AnankeLogitsProcessor`` for transformers' ``generate``
  and :func:`generate`, the high-level call;
- :mod:`ananke.sglang` — SGLang's grammar backend (``--grammar-backend
  ananke``);
- :mod:`ananke.vllm` — vLLM's structured-output backend.

Quick start (one masked step)::

    import numpy as np, ananke
    tok = ananke.Tokenizer.from_tiktoken("cl100k_base")
    m = ananke.Matcher(ananke.Compiler(tok).compile(ananke.Spec()))
    bitmask = ananke.allocate_token_bitmask(1, tok.vocab_size)
    m.fill_next_token_bitmask(bitmask)
"""

from __future__ import annotations

from typing import Any, Optional

from ._ananke import (
    DOMAINS,
    AnankeError,
    Compiled,
    Compiler,
    Matcher,
    MatcherFailedError,
    Spec,
    SpecError,
    Tokenizer,
    TokenizerError,
    bitmask_words,
    fill_next_token_bitmask_batch,
)

__all__ = [
    "DOMAINS",
    "AnankeError",
    "Compiled",
    "Compiler",
    "Matcher",
    "MatcherFailedError",
    "Spec",
    "SpecError",
    "Tokenizer",
    "TokenizerError",
    "allocate_token_bitmask",
    "bitmask_words",
    "fill_next_token_bitmask_batch",
    "generate",
]


def allocate_token_bitmask(batch: int, vocab_size: int, *, torch: bool = False) -> Any:
    """An int32 bitmask ``[batch, ceil(vocab_size / 32)]`` with every token
    allowed (all bits set), as numpy, or as a CPU torch tensor."""
    words = bitmask_words(vocab_size)
    if torch:
        import torch as _torch

        return _torch.full((batch, words), -1, dtype=_torch.int32)
    import numpy as np

    return np.full((batch, words), -1, dtype=np.int32)


def generate(model: Any, prompt: Optional[str], spec: Any, **kwargs: Any) -> Any:
    """Generates code with a transformers model under ``spec`` (see
    :func:`ananke.hf.generate`)."""
    from .hf import generate as _generate

    return _generate(model, prompt, spec, **kwargs)
