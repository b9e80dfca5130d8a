"""What the Python benchmarks share: the corpus, quantiles, llguidance's
own `LLMatcher` on Ananke's grammar and tokenizer, and the force-feeding
loop that times one mask per token."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import numpy as np

import ananke

REPO = Path(os.environ.get("ANANKE_REPO", Path(__file__).resolve().parents[3]))
DATA = Path(os.environ.get("ANANKE_DATA_DIR", REPO.parent / "shared" / "data"))


def quantile(xs: List[float], q: float) -> float:
    s = sorted(xs)
    return s[round((len(s) - 1) * q)] if s else float("nan")


def programs(n: int) -> List[str]:
    """The first `n` programs of the typed MBPP corpus."""
    with open(DATA / "mbpp_typed.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["source"] for line in f if line.strip()][:n]


def allowed(bitmask: np.ndarray, token: int) -> bool:
    """Whether row 0 of a 32-bit-word bitmask allows `token`."""
    return bool((int(bitmask.flat[token >> 5]) >> (token & 31)) & 1)


@dataclass
class Peer:
    """One matcher family under test. `new` gives a fresh matcher for one
    program; `fill` computes its next-token mask into the bitmask (the
    timed part); `consume` takes a token and says whether the matcher
    accepted it; `end` says whether the program may end where it stands."""

    name: str
    new: Callable[[], Any]
    fill: Callable[[Any, np.ndarray], None]
    consume: Callable[[Any, int], bool]
    end: Callable[[Any], bool] = lambda m: True
    #: Why the mask just filled refuses `token`, or None when it allows it
    #: (by default: its bit in the bitmask).
    refuses: Callable[[Any, np.ndarray, int], Optional[str]] = lambda m, b, t: None if allowed(b, t) else "not in the mask"
    #: Masks timed per program at most, evenly spaced over its tokens
    #: (None: every step); between them the matcher still consumes every
    #: token, so acceptance covers the whole program.
    max_masks: Optional[int] = None


@dataclass
class Fed:
    """What force-feeding a corpus through one peer measured."""

    times_us: List[float] = field(default_factory=list)
    accepted: int = 0
    programs: int = 0
    #: Each rejection: program index, token index, token text, why.
    rejections: List[Dict[str, Any]] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        t = self.times_us
        return {
            "masks": len(t),
            "median_us": quantile(t, 0.5),
            "mean_us": sum(t) / len(t) if t else float("nan"),
            "p99_us": quantile(t, 0.99),
            "accepted": self.accepted,
            "programs": self.programs,
            "rejections": self.rejections,
        }


def feed(peer: Peer, tok: ananke.Tokenizer, sources: List[str], check_mask: bool = True) -> Fed:
    """Force-feeds every source token by token: times each mask, and
    counts the programs whose every token was allowed by the mask (when
    `check_mask`) and accepted by the matcher, and whose end was accepted."""
    bitmask = np.zeros((1, ananke.bitmask_words(tok.vocab_size)), dtype=np.int32)
    out = Fed(programs=len(sources))
    for index, source in enumerate(sources):
        m = peer.new()
        tokens = tok.encode(source)
        why = None
        stride = 1 if peer.max_masks is None else max(1, -(-len(tokens) // peer.max_masks))
        for step, token in enumerate(tokens):
            if step % stride == 0:
                bitmask.fill(0)
                t = time.perf_counter()
                peer.fill(m, bitmask)
                out.times_us.append((time.perf_counter() - t) * 1e6)
                if check_mask:
                    why = peer.refuses(m, bitmask, token)
            if why is None and not peer.consume(m, token):
                why = "refused by the matcher"
            if why is not None:
                break
        else:
            if not peer.end(m):
                step, why = len(tokens), "end refused"
        if why is None:
            out.accepted += 1
        else:
            text = tok.decode(tokens[step : step + 1]) if step < len(tokens) else "<end>"
            before = tok.decode(tokens[max(0, step - 8) : step])
            out.rejections.append({"program": index, "token": step, "text": text, "after": before, "why": why})
    return out


def llguidance_peer(tok: ananke.Tokenizer) -> Peer:
    """llguidance's own `LLMatcher` on the Lark grammar, slices and limits
    Ananke's syntax domain gives llguidance, over Ananke's token table."""
    import llguidance

    setup = ananke._ananke.llguidance_setup()

    class Vocab:
        eos_token_id = tok.eos_token_ids[0]
        bos_token_id = None
        tokens = tok.token_bytes()
        special_token_ids = tok.special_token_ids

        def __call__(self, s: Any) -> List[int]:
            return tok.encode(s.decode("utf-8", "replace") if isinstance(s, bytes) else s)

    lltok = llguidance.LLTokenizer(llguidance.TokenizerWrapper(Vocab()), slices=setup["slices"])
    limits = llguidance.LLParserLimits(step_max_items=setup["step_max_items"], step_lexer_fuel=setup["step_lexer_fuel"])
    grammar = llguidance.LLMatcher.grammar_from_lark(setup["lark"])

    def fill(m: Any, bitmask: np.ndarray) -> None:
        m.unsafe_compute_mask_ptr(bitmask.ctypes.data, bitmask.nbytes)

    return Peer(
        "llguidance LLMatcher",
        lambda: llguidance.LLMatcher(lltok, grammar, log_level=0, limits=limits),
        fill,
        lambda m, t: m.consume_token(t) and not m.is_error(),
        lambda m: m.is_accepting(),
    )


def ananke_peer(tok: ananke.Tokenizer, domains: List[str]) -> Peer:
    """Ananke's matcher over `domains`, through the package."""
    compiled = ananke.Compiler(tok).compile(ananke.Spec(), domains=domains)
    name = "ananke syntax only" if domains == ["syntax"] else "ananke all domains"
    return Peer(
        name,
        lambda: ananke.Matcher(compiled),
        lambda m, b: m.fill_next_token_bitmask(b),
        lambda m, t: m.consume_token(t),
        lambda m: m.is_accepting(),
    )


def ananke_peers(tok: ananke.Tokenizer) -> List[Peer]:
    """Ananke syntax only and with every domain."""
    return [ananke_peer(tok, ["syntax"]), ananke_peer(tok, list(ananke.DOMAINS))]
