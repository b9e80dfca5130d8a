"""vLLM: Ananke as a structured-output backend.

:class:`AnankeBackend` and :class:`AnankeGrammar` implement vLLM's
``StructuredOutputBackend`` and ``StructuredOutputGrammar``: a request's
``structured_outputs=StructuredOutputsParams(grammar=<spec TOML>)`` is
compiled by Ananke over the served model's vocabulary, and vLLM's calls map
onto :class:`ananke.Matcher` (``accept_tokens`` → ``consume_tokens``, all
or nothing; ``validate_tokens`` → the accepted prefix; ``fill_bitmask`` →
``fill_next_token_bitmask``; ``rollback``, ``is_terminated``, ``reset``).

vLLM chooses its backend from a fixed list and has no plug-in path, so
:func:`install` patches two places (call it in the process that builds the
engine, before the first request): the structured-output manager builds an
``AnankeBackend`` whatever backend name the engine resolved, and the
request check lets a grammar that is an Ananke spec through instead of
validating it as that backend's grammar language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import ananke
from vllm.v1.structured_output.backend_types import (
    StructuredOutputBackend,
    StructuredOutputGrammar,
    StructuredOutputOptions,
)


class AnankeGrammar(StructuredOutputGrammar):
    """One request's grammar: a matcher of a compiled spec."""

    def __init__(self, matcher: ananke.Matcher) -> None:
        self.matcher = matcher

    def accept_tokens(self, request_id: str, tokens: List[int]) -> bool:
        return bool(self.matcher.consume_tokens(tokens))

    def validate_tokens(self, tokens: List[int]) -> List[int]:
        return list(tokens[: self.matcher.validate_tokens(tokens)])

    def rollback(self, num_tokens: int) -> None:
        self.matcher.rollback(num_tokens)

    def fill_bitmask(self, bitmask: Any, batch_index: int) -> None:
        self.matcher.fill_next_token_bitmask(bitmask, batch_index)

    def is_terminated(self) -> bool:
        return bool(self.matcher.is_terminated())

    def reset(self) -> None:
        self.matcher.reset()


@dataclass
class AnankeBackend(StructuredOutputBackend):
    """Compiles request specs over the served model's vocabulary."""

    def __post_init__(self) -> None:
        tokenizer = self.tokenizer
        if isinstance(tokenizer, ananke.Tokenizer):
            self.ananke_tokenizer = tokenizer
        else:
            self.ananke_tokenizer = ananke.Tokenizer.from_hf(tokenizer)
        self.compiler = ananke.Compiler(self.ananke_tokenizer)

    def compile_grammar(
        self,
        request_type: StructuredOutputOptions,
        grammar_spec: str,
        stop_token_ids: Optional[set] = None,
    ) -> StructuredOutputGrammar:
        if request_type != StructuredOutputOptions.GRAMMAR:
            raise ValueError(
                f"Ananke compiles specs given as `grammar`, not {request_type.name.lower()}"
            )
        # Generation: a `# type: ignore` the model writes is refused, and
        # the control-flow requirements default to the generation set.
        spec = ananke.Spec.from_toml(grammar_spec).for_generation()
        return AnankeGrammar(ananke.Matcher(self.compiler.compile(spec)))

    def allocate_token_bitmask(self, max_num_seqs: int) -> Any:
        # vLLM's bitmask covers the model's vocabulary size, which may pad
        # the tokenizer's; the ids past the tokenizer's are never allowed.
        return ananke.allocate_token_bitmask(max_num_seqs, self.vocab_size, torch=True)

    def destroy(self) -> None:
        pass


def is_spec(text: Optional[str]) -> bool:
    """Whether ``text`` is an Ananke spec (TOML the spec reader accepts)."""
    if not text:
        return False
    try:
        ananke.Spec.from_toml(text)
    except ananke.AnankeError:
        return False
    return True


def install() -> None:
    """Makes vLLM's structured-output manager use Ananke (see the module
    docs). Idempotent."""
    from vllm import sampling_params
    from vllm.v1 import structured_output

    manager = structured_output.StructuredOutputManager
    if getattr(manager, "_ananke_installed", False):
        return
    original_init = manager.grammar_init

    def grammar_init(self: Any, request: Any) -> None:
        params = request.sampling_params
        if self.backend is None and params is not None and params.structured_outputs is not None:
            self.backend = AnankeBackend(
                self.vllm_config,
                tokenizer=self.tokenizer,
                vocab_size=self.vllm_config.model_config.get_vocab_size(),
            )
            self.backend_name = params.structured_outputs._backend
        original_init(self, request)

    original_validate = sampling_params.SamplingParams._validate_structured_outputs

    def validate(self: Any, model_config: Any, config: Any, tokenizer: Any) -> None:
        so = self.structured_outputs
        if config is not None and so is not None and is_spec(getattr(so, "grammar", None)):
            so._backend = config.backend
            return
        original_validate(self, model_config, config, tokenizer)

    manager.grammar_init = grammar_init
    sampling_params.SamplingParams._validate_structured_outputs = validate
    manager._ananke_installed = True
