"""`cargo xtask bench --peers`: Ananke and its peers side by side.

The same MBPP programs (`ANANKE_BENCH_PROGRAMS`, 50 unless set) are
force-fed token by token on the same tokenizer (cl100k_base, token ids
from Ananke's tokenizer) through:

- llguidance's own `LLMatcher` on the Lark grammar Ananke gives llguidance;
- XGrammar's `GrammarMatcher` on the Lark grammar Ananke gives xgrammar
  (raw byte vocabulary); its masks cost hundreds of ms, so only
  `ANANKE_PEERS_XGRAMMAR_MASKS` masks per program (8 unless set), evenly
  spaced over the program, are computed; every token is still consumed;
- SynCode's `SyncodeLogitsProcessor` with its built-in Python grammar
  (`grammar_mask` mode, the processor's default), on a Hugging Face fast
  tokenizer converted from the same cl100k_base token table;
- Ananke syntax only and with every domain, through the `ananke` package.

Per peer: masks timed, median / mean / p99 µs per mask, setup time, and
how many programs it accepts to the end (every token in the mask and
taken by the matcher, then the end allowed), with each rejection.
A peer that cannot run here gets its error instead of numbers.

Writes `.cache/peers/report.md` and `report.json`, and the plot
`docs/peers.svg`.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional

import numpy as np

import ananke
from harness import REPO, Peer, ananke_peers, feed, llguidance_peer, programs

PROGRAMS = int(os.environ.get("ANANKE_BENCH_PROGRAMS", "50"))
XGRAMMAR_MASKS = int(os.environ.get("ANANKE_PEERS_XGRAMMAR_MASKS", "8"))
OUT = REPO / ".cache" / "peers"
SVG = REPO / "docs" / "peers.svg"
# cl100k_base's pre-tokenizer pattern, as tiktoken has it.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
)


def xgrammar_peer(tok: ananke.Tokenizer) -> Peer:
    """XGrammar's `GrammarMatcher` on Ananke's xgrammar Lark grammar, over
    the raw token bytes (special tokens as empty strings, as Ananke's
    xgrammar backend gives them)."""
    import torch
    import xgrammar as xg

    specials = set(tok.special_token_ids)
    vocab = [b"" if i in specials else b for i, b in enumerate(tok.token_bytes())]
    info = xg.TokenizerInfo(vocab, xg.VocabType.RAW, vocab_size=len(vocab), stop_token_ids=tok.eos_token_ids)
    compiler = xg.GrammarCompiler(info, max_threads=os.cpu_count() or 1)
    compiled = compiler.compile_grammar(xg.Grammar.from_lark(ananke._ananke.xgrammar_lark()))
    eos = tok.eos_token_ids[0]
    return Peer(
        "xgrammar GrammarMatcher",
        lambda: xg.GrammarMatcher(compiled),
        lambda m, b: m.fill_next_token_bitmask(torch.from_numpy(b)),
        lambda m, t: m.accept_token(t),
        lambda m: m.accept_token(eos),
        max_masks=XGRAMMAR_MASKS,
    )


def hf_tokenizer(tok: ananke.Tokenizer) -> Any:
    """A Hugging Face fast tokenizer with Ananke's token table: byte-level
    BPE converted from the ranks as transformers converts tiktoken files,
    special tokens and the table's unused ids as added special tokens at
    their own ids."""
    from tokenizers import AddedToken
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    table = tok.token_bytes()
    specials = set(tok.special_token_ids)
    first = min(i for i, b in enumerate(table) if i in specials or not b)
    ranks = {b: i for i, b in enumerate(table[:first])}

    class Converter(TikTokenConverter):
        @staticmethod
        def load_tiktoken_bpe(_: str) -> Dict[bytes, int]:
            return ranks

    fast = Converter(vocab_file="", pattern=CL100K_PATTERN).converted()
    # Ananke's table marks special tokens with a leading 0xff byte.
    names = [table[i][1:].decode() if i in specials else f"<|unused_{i}|>" for i in range(first, len(table))]
    fast.add_special_tokens([AddedToken(n, special=True, normalized=False) for n in names])
    eos = table[tok.eos_token_ids[0]][1:].decode()
    hf = PreTrainedTokenizerFast(tokenizer_object=fast, eos_token=eos)
    assert len(hf.get_vocab()) == len(table) and hf.eos_token_id == tok.eos_token_ids[0]
    return hf


def syncode_peer(tok: ananke.Tokenizer, sources: List[str]) -> Peer:
    """SynCode's logits processor with its built-in Python grammar. Its
    mask is the scores row with refused tokens at -inf; where its parser
    fails, or no token fits, it masks nothing and logs why, which counts
    as a rejection here. Building its mask store for a vocabulary takes
    minutes once, then loads from `.cache/peers/syncode`."""
    os.environ.setdefault("SYNCODE_CACHE", str(OUT / "syncode") + "/")
    import logging

    import torch
    from syncode import Grammar, SyncodeLogitsProcessor

    hf = hf_tokenizer(tok)
    differ = sum(hf.encode(s, add_special_tokens=False) != tok.encode(s) for s in sources)
    assert differ == 0, f"the converted tokenizer splits {differ} programs differently"
    processor = SyncodeLogitsProcessor(Grammar("python"), hf, mode="grammar_mask")
    scores = torch.zeros((1, tok.vocab_size))
    eos = tok.eos_token_ids[0]

    class State(logging.Handler):
        """One program's token ids, and SynCode's word on the last mask."""

        def __init__(self) -> None:
            super().__init__(logging.DEBUG)
            processor.reset()
            self.ids = torch.zeros((1, 0), dtype=torch.long)
            self.row = scores[0]
            self.why: Optional[str] = None

        def emit(self, record: logging.LogRecord) -> None:
            lines = record.getMessage().splitlines()
            if self.why is None:
                self.why = "SynCode: " + " ".join(l for l in lines if l.startswith(("Exception", "No "))).strip()

    log = logging.getLogger("syncode.grammar_mask.grammar_constrainer")
    log.setLevel(logging.DEBUG)
    log.propagate = False

    def fill(m: State, _: np.ndarray) -> None:
        m.why = None
        log.handlers = [m]
        m.row = processor(m.ids, scores.zero_())[0]

    def refuses(m: State, _: np.ndarray, token: int) -> Optional[str]:
        if m.why is not None:
            return m.why
        return "not in the mask" if torch.isinf(m.row[token]) else None

    def consume(m: State, token: int) -> bool:
        m.ids = torch.cat((m.ids, torch.tensor([[token]])), dim=1)
        return True

    def end(m: State) -> bool:
        fill(m, np.zeros(0))
        return refuses(m, np.zeros(0), eos) is None

    return Peer("SynCode (Python grammar)", State, fill, consume, end, refuses)


def measure(tok: ananke.Tokenizer, sources: List[str]) -> List[Dict[str, Any]]:
    builders: List[Callable[[], List[Peer]]] = [
        lambda: [llguidance_peer(tok)],
        lambda: [xgrammar_peer(tok)],
        lambda: [syncode_peer(tok, sources)],
        lambda: ananke_peers(tok),
    ]
    names = ["llguidance LLMatcher", "xgrammar GrammarMatcher", "SynCode (Python grammar)", "ananke"]
    rows: List[Dict[str, Any]] = []
    for name, build in zip(names, builders):
        start = time.perf_counter()
        try:
            peers = build()
        except Exception as e:
            traceback.print_exc()
            rows.append({"peer": name, "error": f"{type(e).__name__}: {e}".splitlines()[0]})
            continue
        setup = (time.perf_counter() - start) / len(peers)
        for peer in peers:
            print(f"--> {peer.name}", file=sys.stderr, flush=True)
            start = time.perf_counter()
            try:
                fed = feed(peer, tok, sources)
            except Exception as e:
                traceback.print_exc()
                rows.append({"peer": peer.name, "error": f"{type(e).__name__}: {e}".splitlines()[0]})
                continue
            rows.append(
                {
                    "peer": peer.name,
                    "setup_s": setup,
                    "run_s": time.perf_counter() - start,
                    "masks_per_program": peer.max_masks,
                    **fed.summary(),
                }
            )
    return rows


def table(rows: List[Dict[str, Any]], n: int) -> str:
    out = [
        "| matcher | masks timed | median µs | mean µs | p99 µs | accepted | setup s | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['peer']} | – | – | – | – | – | – | cannot run: `{r['error']}` |")
            continue
        notes = []
        if r["masks_per_program"]:
            notes.append(f"{r['masks_per_program']} masks per program, evenly spaced; every token consumed")
        for j in r["rejections"][:3]:
            text = json.dumps(j["text"], ensure_ascii=False).replace("|", "\\|")
            after = json.dumps(j["after"], ensure_ascii=False).replace("|", "\\|")
            notes.append(f"program {j['program']} refused at token {j['token']} {text} after {after}: {j['why']}")
        out.append(
            f"| {r['peer']} | {r['masks']:,} | {r['median_us']:,.1f} | {r['mean_us']:,.1f} | {r['p99_us']:,.1f} "
            f"| {r['accepted']}/{n} | {r['setup_s']:.1f} | {'; '.join(notes)} |"
        )
    return "\n".join(out)


def svg(rows: List[Dict[str, Any]]) -> str:
    """Horizontal bars of median, mean and p99 µs per mask for each peer,
    on a log scale; a peer that could not run is named with no bars."""
    stats = [("median_us", "median", "#4c72b0"), ("mean_us", "mean", "#dd8452"), ("p99_us", "p99", "#c44e52")]
    left, width, bar, gap = 210, 520, 11, 16
    values = [r[k] for r in rows if "error" not in r for k, _, _ in stats if r[k] > 0]
    lo = 10 ** math.floor(math.log10(min(values))) if values else 1
    hi = 10 ** math.ceil(math.log10(max(values))) if values else 10
    group = bar * len(stats) + gap
    top = 40
    height = top + group * len(rows) + 40

    def x(v: float) -> float:
        return left + width * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="16" font-weight="bold">µs per mask (log scale), cl100k_base, MBPP</text>',
    ]
    for i, (_, label, colour) in enumerate(stats):
        parts.append(f'<rect x="{left + 330 + 65 * i}" y="24" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + 344 + 65 * i}" y="33">{label}</text>')
    decade = lo
    while decade <= hi:
        parts.append(f'<line x1="{x(decade):.1f}" y1="{top}" x2="{x(decade):.1f}" y2="{height - 30}" stroke="#ddd"/>')
        unit = f"{decade / 1e6:g} s" if decade >= 1e6 else f"{decade / 1e3:g} ms" if decade >= 1e3 else f"{decade:g} µs"
        parts.append(f'<text x="{x(decade):.1f}" y="{height - 14}" text-anchor="middle">{unit}</text>')
        decade *= 10
    for j, r in enumerate(rows):
        y = top + group * j
        parts.append(f'<text x="{left - 8}" y="{y + 1.5 * bar + 4}" text-anchor="end">{r["peer"]}</text>')
        if "error" in r:
            parts.append(f'<text x="{left + 6}" y="{y + 1.5 * bar + 4}" fill="#888">cannot run here</text>')
            continue
        for i, (key, _, colour) in enumerate(stats):
            w = max(1.0, x(r[key]) - left)
            parts.append(f'<rect x="{left}" y="{y + bar * i}" width="{w:.1f}" height="{bar - 2}" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    tok = ananke.Tokenizer.from_tiktoken("cl100k_base")
    sources = programs(PROGRAMS)
    date = datetime.date.today().isoformat()
    rows = measure(tok, sources)
    head = (
        f"Peers per mask, {date}: {len(sources)} MBPP programs force-fed token by token, cl100k_base, "
        f"{platform.machine()} with {os.cpu_count()} cores (`cargo xtask bench --peers`)."
    )
    report = f"{head}\n\n{table(rows, len(sources))}\n"
    print(report)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.md").write_text(report, encoding="utf-8")
    (OUT / "report.json").write_text(
        json.dumps({"date": date, "programs": len(sources), "cores": os.cpu_count(), "rows": rows}, indent=2),
        encoding="utf-8",
    )
    SVG.parent.mkdir(parents=True, exist_ok=True)
    SVG.write_text(svg(rows), encoding="utf-8")
    print(f"wrote {OUT / 'report.md'}, {OUT / 'report.json'} and {SVG}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
