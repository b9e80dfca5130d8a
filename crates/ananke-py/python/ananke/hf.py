"""Hugging Face transformers: a logits processor that masks every step with
Ananke, and :func:`generate`, the high-level call.

``AnankeLogitsProcessor`` keeps one :class:`ananke.Matcher` per sequence.
At each step it reads the token each row drew since the last call, advances
that row's matcher (forking it when beam search gives one parent several
children), fills all rows' masks in one parallel batch and sets the
disallowed logits to ``-inf``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import ananke

#: The system message SmolLM2's chat template uses by default (and the Rust
#: decoder's protocol).
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
OPEN_FENCE = "```python\n"


def closing_tokens(tokenizer: ananke.Tokenizer) -> List[int]:
    """Tokens that close a Markdown code block: up to two line breaks,
    three backticks, then only white space."""
    out = []
    for i, b in enumerate(tokenizer.token_bytes()):
        if b.startswith(b"\xff"):
            continue
        rest = b.lstrip(b"\n")
        if len(b) - len(rest) <= 2 and rest.startswith(b"```") and not rest[3:].strip():
            out.append(i)
    return out


class AnankeLogitsProcessor:
    """A transformers ``LogitsProcessor`` that allows only what ``compiled``
    allows.

    ``prefix`` starts every matcher as a body session (see
    :class:`ananke.Matcher`), ``forced`` is text already in the prompt that
    the matcher consumes first, ``num_beams`` tells beams of one batch item
    apart, and ``end_tokens`` are extra tokens that count as the end of the
    output (allowed exactly where the end-of-sequence token is; a closing
    code fence, say). After generation, ``matchers`` holds each row's final
    matcher and ``trace`` the steps.
    """

    def __init__(
        self,
        compiled: ananke.Compiled,
        prefix: Optional[str] = None,
        forced: Sequence[int] = (),
        num_beams: int = 1,
        end_tokens: Sequence[int] = (),
    ) -> None:
        self.compiled = compiled
        self.prefix = prefix
        self.forced = list(forced)
        self.num_beams = num_beams
        self.end_tokens = list(end_tokens)
        self.eos = compiled.eos_token_ids
        self.prompt_len: Optional[int] = None
        self.states: Dict[Tuple[int, Tuple[int, ...]], ananke.Matcher] = {}
        self.matchers: List[ananke.Matcher] = []
        self.trace: List[Dict[str, Any]] = []
        self.mask_seconds = 0.0
        self._bitmask: Any = None

    def _root(self) -> ananke.Matcher:
        m = ananke.Matcher(self.compiled, self.prefix)
        if self.forced and not m.consume_tokens(self.forced):
            raise ananke.AnankeError("the constraints reject the forced start of the reply")
        return m

    def _advance(self, input_ids: Any) -> List[ananke.Matcher]:
        rows = input_ids.shape[0]
        if self.prompt_len is None:
            self.prompt_len = input_ids.shape[1]
            self.states = {(r // self.num_beams, ()): self._root() for r in range(rows)}
        generated = input_ids[:, self.prompt_len :].tolist()
        keys = [(r // self.num_beams, tuple(generated[r])) for r in range(rows)]
        next_states: Dict[Tuple[int, Tuple[int, ...]], ananke.Matcher] = {}
        # New sequences, grouped by the sequence they extend: a parent with
        # several children is forked for all but one before any of them
        # consumes its token.
        children: Dict[Tuple[int, Tuple[int, ...]], List[Tuple[int, Tuple[int, ...]]]] = {}
        for key in keys:
            if key in next_states:
                continue
            if key in self.states:
                next_states[key] = self.states[key]
                continue
            parent_key = (key[0], key[1][:-1])
            siblings = children.setdefault(parent_key, [])
            if key not in siblings:
                siblings.append(key)
        for parent_key, kids in children.items():
            parent = self.states[parent_key]
            copies = [parent.fork() for _ in kids[1:]] + [parent]
            for key, matcher in zip(kids, copies):
                token = key[1][-1]
                if matcher.is_terminated():
                    pass  # padding after the end
                elif token in self.end_tokens:
                    matcher.consume_token(self.eos[0])
                elif not matcher.consume_token(token):
                    raise ananke.AnankeError(
                        f"a sequence drew token {token}, which the mask did not allow"
                    )
                next_states[key] = matcher
        matchers = [next_states[key] for key in keys]
        self.states = next_states
        return matchers

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        matchers = self._advance(input_ids)
        rows = len(matchers)
        words = ananke.bitmask_words(self.compiled.vocab_size)
        if self._bitmask is None or self._bitmask.shape[0] != rows:
            self._bitmask = torch.zeros((rows, words), dtype=torch.int32)
        started = time.perf_counter()
        # Beams that share a parent share its matcher until they differ:
        # fill each matcher once, then copy its row.
        first: Dict[int, int] = {}
        for row, m in enumerate(matchers):
            first.setdefault(id(m), row)
        rows_once = sorted(first.values())
        ananke.fill_next_token_bitmask_batch([matchers[r] for r in rows_once], self._bitmask, rows_once)
        for row, m in enumerate(matchers):
            if first[id(m)] != row:
                self._bitmask[row] = self._bitmask[first[id(m)]]
        allowed = apply_bitmask(self._bitmask, scores.shape[-1])
        if self.end_tokens:
            ends = torch.zeros_like(allowed[:, 0])
            for e in self.eos:
                ends |= allowed[:, e]
            for t in self.end_tokens:
                allowed[:, t] = ends
        self.mask_seconds += time.perf_counter() - started
        self.matchers = matchers
        self.trace.append(
            {
                "rows": rows,
                "mask_sizes": allowed.sum(dim=1).tolist(),
                "domains": self.compiled.domains,
            }
        )
        return scores.masked_fill(~allowed.to(scores.device), float("-inf"))


def apply_bitmask(bitmask: Any, vocab: int) -> Any:
    """The boolean ``[rows, vocab]`` mask a bitmask stands for (ids past
    the bitmask are not allowed)."""
    import torch

    shifts = torch.arange(32, dtype=torch.int32)
    bits = (bitmask.unsqueeze(-1) >> shifts) & 1
    flat = bits.reshape(bitmask.shape[0], -1).bool()
    if flat.shape[1] >= vocab:
        return flat[:, :vocab].clone()
    pad = torch.zeros((bitmask.shape[0], vocab - flat.shape[1]), dtype=torch.bool)
    return torch.cat([flat, pad], dim=1)


@dataclass
class Step:
    """One generated token: its id and text, the domains the mask was the
    meet of, and how many tokens the mask allowed."""

    token: int
    text: str
    domains: List[str]
    mask_size: int


@dataclass
class Generation:
    """What :func:`generate` returns."""

    #: The whole program: the prompt's code and the generated body.
    code: str
    #: The generated text alone (the body).
    completion: str
    #: The holes generation revealed (see ``Matcher.holes``).
    holes: List[Dict[str, Any]]
    #: One entry per generated token.
    trace: List[Step] = field(default_factory=list)
    #: Whether the constraints accept the program as it ended.
    accepted: bool = False
    #: Seconds spent computing masks.
    mask_seconds: float = 0.0
    #: How it ended: ``end`` (the model ended an accepted program),
    #: ``finished`` (cut back to the last accepted line start when the
    #: budget ran out), ``rescued`` (a placeholder ``return`` written after
    #: a reply that never completed a statement), ``max_tokens`` (none of
    #: those was possible: ``accepted`` is false).
    stop: str = "end"


#: Values tried, in order, when a reply must be rescued.
PLACEHOLDERS = ["[]", "{}", "0", "0.0", "''", "False", "None", "set()", "()"]


def _body_indent(prompt: str) -> str:
    last = prompt.rstrip("\n").rsplit("\n", 1)[-1]
    return last[: len(last) - len(last.lstrip())]


def function_header(prompt: str) -> str:
    """The prompt up to and including its last ``def ...:`` line."""
    lines = prompt.splitlines(keepends=True)
    end = None
    for i, line in enumerate(lines):
        if line.lstrip().startswith("def ") and line.rstrip().endswith(":"):
            end = i
    if end is None:
        raise ValueError("the prompt has no one-line `def ...:` header")
    return "".join(lines[: end + 1])


def generate(
    model: Any,
    prompt: Optional[str],
    spec: Any,
    *,
    tokenizer: Any = None,
    max_new_tokens: int = 256,
    domains: Optional[List[str]] = None,
    **generate_kwargs: Any,
) -> Generation:
    """Generates the body of the function ``prompt`` declares (imports, a
    typed ``def`` line and a docstring; default: the spec's
    ``task.prompt``) with a transformers ``model`` under ``spec``.

    The model is asked, in its chat format, to complete the function in a
    Python code block; its reply is forced to start with the fence and the
    prompt's code, and every token after that is drawn from Ananke's mask
    (greedy unless ``generate_kwargs`` say otherwise). A closing fence is
    allowed exactly where the program may end.
    """
    import torch

    spec = spec if isinstance(spec, ananke.Spec) else ananke.Spec(spec)
    prompt = prompt if prompt is not None else spec.prompt
    if not prompt:
        raise ValueError("no prompt: pass one or give the spec a [task] prompt")
    if tokenizer is None:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model.name_or_path)
    vocab = ananke.Tokenizer.from_hf(tokenizer)
    compiled = ananke.Compiler(vocab).compile(spec.for_generation(), domains=domains)
    header = function_header(prompt)
    forced_code = prompt[:-1] if prompt.endswith("\n") else prompt
    message = (
        "Complete the following Python function. Reply with only the complete function "
        f"in a ```python code block.\n\n```python\n{prompt}```"
    )
    chat = tokenizer.apply_chat_template(
        [{"role": "system", "content": SYSTEM}, {"role": "user", "content": message}],
        tokenize=False,
        add_generation_prompt=True,
    )
    input_ids = torch.tensor([vocab.encode(chat) + vocab.encode(OPEN_FENCE + forced_code)])
    end_tokens = closing_tokens(vocab)
    processor = AnankeLogitsProcessor(
        compiled,
        prefix=header,
        forced=vocab.encode(forced_code[len(header) :]),
        end_tokens=end_tokens,
    )
    from transformers import LogitsProcessorList

    kwargs: Dict[str, Any] = {"do_sample": False}
    kwargs.update(generate_kwargs)
    out = model.generate(
        input_ids,
        attention_mask=torch.ones_like(input_ids),
        logits_processor=LogitsProcessorList([processor]),
        max_new_tokens=max_new_tokens,
        eos_token_id=list(vocab.eos_token_ids) + end_tokens,
        pad_token_id=vocab.eos_token_ids[0],
        **kwargs,
    )
    new = out[0, input_ids.shape[1] :].tolist()
    stops = set(vocab.eos_token_ids) | set(end_tokens)
    matcher = processor.matchers[0] if processor.matchers else processor._root()
    # The last token drawn has not been consumed by a processor call yet.
    if new and new[-1] not in stops:
        matcher.consume_token(new[-1])
    body_ids = [t for t in new if t not in stops]
    accepted = matcher.is_terminated() or matcher.is_accepting()
    stop = "end" if accepted else "max_tokens"
    if not accepted:
        # The budget ran out mid-statement: go back to the last line start
        # where the constraints accept the program (the Rust decoder's
        # finish, in its simplest form).
        while body_ids:
            matcher.rollback(1)
            body_ids.pop()
            if vocab.decode(body_ids).endswith("\n") and matcher.is_accepting():
                accepted = True
                stop = "finished"
                break
    completion = vocab.decode(body_ids)
    if not accepted:
        # No line start was accepted (the reply ran away inside its first
        # statement): write `return` and a placeholder value the
        # constraints accept, as the Rust decoder's rescue does.
        indent = _body_indent(prompt)
        for value in PLACEHOLDERS:
            # The cut-back left nothing: the prompt ends without its last break.
            text = f"\n{indent}return {value}\n"
            ids = vocab.encode(text)
            if matcher.consume_tokens(ids):
                if matcher.is_accepting():
                    completion += text
                    accepted = True
                    stop = "rescued"
                    break
                matcher.rollback(len(ids))
    sizes = [s["mask_sizes"][0] for s in processor.trace]
    trace = [
        Step(token=t, text=vocab.decode([t]), domains=compiled.domains, mask_size=size)
        for t, size in zip(new, sizes)
    ]
    return Generation(
        code=forced_code + completion,
        completion=completion,
        holes=matcher.holes(),
        trace=trace,
        accepted=accepted,
        stop=stop,
        mask_seconds=processor.mask_seconds,
    )
