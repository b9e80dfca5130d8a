"""SGLang: Ananke as a grammar backend (``--grammar-backend ananke``).

Importing this module registers the backend with SGLang's
``register_grammar_backend``; launch the server with it imported (for
example ``python -c "import ananke.sglang, runpy; runpy.run_module(
'sglang.launch_server', run_name='__main__')" --grammar-backend ananke
...``). A request carries its Ananke spec — the TOML that ``ananke check
--spec`` reads — in the sampling parameter ``ebnf``; with the field
``"ananke_spec"`` of ``json_schema`` holding the TOML also accepted.
Regexes and plain JSON schemas are not Ananke specs and are refused (an
invalid grammar, as SGLang's other backends refuse what they cannot
compile).

The grammar object maps SGLang's calls onto :class:`ananke.Matcher`:
``accept_token`` → ``consume_token``, ``rollback`` → ``rollback``,
``fill_vocab_mask`` → ``fill_next_token_bitmask`` (a batch of rows goes
through ``fill_next_token_bitmask_batch``, on every core with the GIL
released), ``copy`` → ``fork``,
``try_jump_forward`` → ``jump_forward_tokens``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Tuple

import torch

import ananke
from sglang.srt.constrained.base_grammar_backend import (
    BaseGrammarBackend,
    BaseGrammarObject,
    InvalidGrammarObject,
    register_grammar_backend,
)

from .hf import apply_bitmask

logger = logging.getLogger(__name__)

#: The name ``--grammar-backend`` selects.
NAME = "ananke"


class AnankeGrammar(BaseGrammarObject):
    """One request's grammar: a matcher of a compiled spec."""

    def __init__(self, compiled: ananke.Compiled, matcher: Optional[ananke.Matcher] = None) -> None:
        super().__init__()
        self.compiled = compiled
        self.matcher = matcher if matcher is not None else ananke.Matcher(compiled)

    def accept_token(self, token: int) -> None:
        if self.finished:
            return
        if not self.matcher.consume_token(token):
            raise ValueError(
                f"token {token} is not allowed here: {self.matcher.explain(token)}"
            )
        if self.matcher.is_terminated():
            self.finished = True

    def rollback(self, k: int) -> None:
        if k <= 0:
            return
        self.matcher.rollback(k)
        self.finished = self.matcher.is_terminated()

    def is_terminated(self) -> bool:
        return self.matcher.is_terminated()

    def allocate_vocab_mask(self, vocab_size: int, batch_size: int, device: Any) -> torch.Tensor:
        return ananke.allocate_token_bitmask(batch_size, self.compiled.vocab_size, torch=True)

    def fill_vocab_mask(self, vocab_mask: torch.Tensor, idx: int) -> None:
        self.matcher.fill_next_token_bitmask(vocab_mask, idx)

    @staticmethod
    def fill_vocab_mask_batched(entries: List[Any], vocab_mask: torch.Tensor) -> None:
        if all(isinstance(e.grammar, AnankeGrammar) for e in entries):
            ananke.fill_next_token_bitmask_batch(
                [e.grammar.matcher for e in entries], vocab_mask, [e.row for e in entries]
            )
        else:
            for e in entries:
                e.grammar.fill_vocab_mask(vocab_mask, e.row)

    @staticmethod
    def reset_vocab_mask(vocab_mask: torch.Tensor) -> None:
        vocab_mask.fill_(-1)

    @staticmethod
    def move_vocab_mask(vocab_mask: torch.Tensor, device: Any) -> torch.Tensor:
        return vocab_mask.to(device, non_blocking=True)

    @staticmethod
    def apply_vocab_mask(logits: torch.Tensor, vocab_mask: torch.Tensor) -> None:
        allowed = apply_bitmask(vocab_mask.cpu(), logits.shape[-1]).to(logits.device)
        logits.masked_fill_(~allowed, float("-inf"))

    def copy(self) -> "AnankeGrammar":
        # SGLang copies the cached template (at the start) for each request;
        # a fork shares the compiled spec and copies the state in O(1).
        return AnankeGrammar(self.compiled, self.matcher.fork())

    def try_jump_forward(self, tokenizer: Any) -> Optional[Tuple[List[int], str]]:
        tokens = self.matcher.jump_forward_tokens()
        if not tokens:
            return None
        return tokens, self.matcher.jump_forward()

    def jump_forward_str_state(self, helper: Tuple[List[int], str]) -> Tuple[str, int]:
        return helper[1], -1

    def jump_and_retokenize(
        self, old_output_ids: List[int], new_output_ids: List[int], next_state: int
    ) -> None:
        # SGLang re-tokenized the text with the forced string appended: take
        # back the tokens that changed and consume the new ones.
        common = 0
        for a, b in zip(old_output_ids, new_output_ids):
            if a != b:
                break
            common += 1
        self.matcher.rollback(len(old_output_ids) - common)
        if not self.matcher.consume_tokens(new_output_ids[common:]):
            raise ValueError("the re-tokenized jump-forward text is not allowed")


class AnankeGrammarBackend(BaseGrammarBackend):
    """Compiles request specs over the served model's vocabulary (cached by
    SGLang per spec text)."""

    def __init__(self, tokenizer: Any, vocab_size: int, eos_token_ids: Optional[set] = None) -> None:
        super().__init__()
        if isinstance(tokenizer, ananke.Tokenizer):
            self.tokenizer = tokenizer
        else:
            self.tokenizer = ananke.Tokenizer.from_hf(tokenizer)
        self.compiler = ananke.Compiler(self.tokenizer)
        self.vocab_size = vocab_size

    def _compile(self, spec_text: str) -> BaseGrammarObject:
        try:
            # Generation: a `# type: ignore` the model writes is refused,
            # and the control-flow requirements default to the generation set.
            spec = ananke.Spec.from_toml(spec_text).for_generation()
            return AnankeGrammar(self.compiler.compile(spec))
        except ananke.AnankeError as e:
            logger.warning("ananke: cannot compile the request's spec: %s", e)
            return InvalidGrammarObject(f"invalid Ananke spec: {e}")

    def dispatch_ebnf(self, key_string: str) -> BaseGrammarObject:
        return self._compile(key_string)

    def dispatch_json(self, key_string: str) -> BaseGrammarObject:
        try:
            schema: Dict[str, Any] = json.loads(key_string)
        except ValueError:
            schema = {}
        if isinstance(schema, dict) and isinstance(schema.get("ananke_spec"), str):
            return self._compile(schema["ananke_spec"])
        return self._not_supported("json", key_string)


def create(server_args: Any, tokenizer: Any, vocab_size: int, eos_token_ids: Optional[set] = None) -> AnankeGrammarBackend:
    """What SGLang's ``create_grammar_backend`` calls for ``ananke``."""
    return AnankeGrammarBackend(tokenizer, vocab_size, eos_token_ids)


register_grammar_backend(NAME, create)
