"""The matcher's calls do what engines expect of a grammar object."""

from __future__ import annotations

import numpy as np
import pytest

import ananke

PROGRAM = "def add(a: int, b: int) -> int:\n    return a + b\n"


def test_tokenizer_round_trips_and_describes_its_vocabulary(cl100k: ananke.Tokenizer) -> None:
    ids = cl100k.encode(PROGRAM)
    assert cl100k.decode(ids) == PROGRAM
    table = cl100k.token_bytes()
    assert len(table) == cl100k.vocab_size == 100277
    assert b"".join(table[i] for i in ids) == PROGRAM.encode()
    assert cl100k.eos_token_ids == [100257]
    assert table[100257] == b"\xff<|endoftext|>"
    assert 100257 in cl100k.special_token_ids


def test_consume_rollback_and_validate(cl100k: ananke.Tokenizer, default_cl100k: ananke.Compiled) -> None:
    m = ananke.Matcher(default_cl100k)
    ids = cl100k.encode(PROGRAM)
    assert m.validate_tokens(ids) == len(ids)
    assert m.tokens == []
    assert m.consume_tokens(ids[:5])
    assert m.tokens == ids[:5]
    m.rollback(2)
    assert m.tokens == ids[:3]
    assert m.consume_tokens(ids[3:])
    assert m.text() == PROGRAM
    assert m.is_accepting()
    # A token the grammar rejects: False, matcher unchanged.
    bad = cl100k.encode(")")[0]
    assert not m.consume_token(bad)
    assert m.tokens == ids
    # consume_tokens is all or nothing.
    more = cl100k.encode("x = (1 +")
    assert not m.consume_tokens(more + [bad, bad])
    assert m.tokens == ids
    # validate counts the accepted prefix.
    assert m.validate_tokens(more + [bad, bad]) == len(more) + 1 or m.validate_tokens(more + [bad]) >= len(more)


def test_the_end_of_sequence_token_terminates(cl100k: ananke.Tokenizer, default_cl100k: ananke.Compiled) -> None:
    m = ananke.Matcher(default_cl100k)
    eos = cl100k.eos_token_ids[0]
    bitmask = ananke.allocate_token_bitmask(1, cl100k.vocab_size)
    assert m.consume_tokens(cl100k.encode("def f(x: int) -> int:\n"))
    m.fill_next_token_bitmask(bitmask)
    assert not (bitmask[0, eos >> 5] >> (eos & 31)) & 1, "an open body cannot end"
    assert not m.consume_token(eos)
    assert m.consume_tokens(cl100k.encode("    return x\n"))
    m.fill_next_token_bitmask(bitmask)
    assert (bitmask[0, eos >> 5] >> (eos & 31)) & 1
    assert m.consume_token(eos)
    assert m.is_terminated()
    m.fill_next_token_bitmask(bitmask)
    assert np.flatnonzero(np.unpackbits(bitmask[0].view(np.uint8), bitorder="little")).tolist() == [eos]
    assert not m.consume_token(cl100k.encode("x")[0])
    m.rollback(1)
    assert not m.is_terminated()
    assert m.consume_tokens(cl100k.encode("y = 1\n"))


def test_fork_checkpoint_restore_and_reset(cl100k: ananke.Tokenizer, default_cl100k: ananke.Compiled) -> None:
    m = ananke.Matcher(default_cl100k)
    assert m.consume_tokens(cl100k.encode("import math\n"))
    point = m.checkpoint()
    child = m.fork()
    assert child.consume_tokens(cl100k.encode("x = math.pi\n"))
    assert m.tokens == cl100k.encode("import math\n")
    assert m.consume_tokens(cl100k.encode("y = 2\n"))
    m.restore(point)
    assert m.text() == "import math\n"
    m.restore(point)  # still available
    m.reset()
    assert m.tokens == []
    assert child.text() == "import math\nx = math.pi\n"


def test_jump_forward_explain_and_holes(cl100k: ananke.Tokenizer, default_cl100k: ananke.Compiled) -> None:
    m = ananke.Matcher(default_cl100k)
    assert m.consume_tokens(cl100k.encode("def area(r: float) -> float:\n    return 3.0 * r * r"))
    forced = m.jump_forward()
    assert isinstance(forced, str)
    assert m.jump_forward_tokens() == (cl100k.encode(forced) if forced else [])
    holes = m.holes()
    names = [h["name"] for h in holes]
    assert "area" in names
    area = holes[names.index("area")]
    assert area["granularity"] == "function" and area["open"]
    assert sum(h["active"] for h in holes) == 1
    why = m.explain(cl100k.encode(" +")[0])
    assert "allowed" in why
    s = ananke.Matcher(ananke.Compiler(cl100k).compile(ananke.Spec('[imports]\nforbidden = ["os"]\n')))
    assert s.consume_tokens(cl100k.encode("import os"))
    why = s.explain(cl100k.encode("\n")[0])
    assert "rejected" in why and "imports: this imports `os`" in why


def test_specs_from_text_dict_and_path_agree(tmp_path, cl100k: ananke.Tokenizer) -> None:
    text = '[imports]\nforbidden = ["os"]\nrequired = ["math"]\n'
    path = tmp_path / "spec.toml"
    path.write_text(text)
    specs = [ananke.Spec(text), ananke.Spec({"imports": {"forbidden": ["os"], "required": ["math"]}}),
             ananke.Spec(str(path)), ananke.Spec(path), ananke.Spec.from_file(path)]
    assert len({repr(s) for s in specs}) == 1
    m = ananke.Matcher(ananke.Compiler(cl100k).compile(specs[1]))
    assert m.consume_tokens(cl100k.encode("x = 1\n"))
    assert not m.is_accepting(), "math must be imported"


def test_a_body_prefix_matcher_generates_the_body(cl100k: ananke.Tokenizer, default_cl100k: ananke.Compiled) -> None:
    prefix = "def double(x: int) -> int:\n"
    m = ananke.Matcher(default_cl100k, prefix)
    start = m.tokens
    assert cl100k.decode(start) == prefix
    assert m.consume_tokens(cl100k.encode("    return 2 * x\n"))
    assert m.is_accepting()
    m.reset()
    assert m.tokens == start
    assert not m.consume_tokens(cl100k.encode('    return "x"\n'))


def test_from_gguf_and_from_hf_read_the_same_vocabulary(tmp_path) -> None:
    from conftest import MODEL_DIR

    gguf = MODEL_DIR / "SmolLM2-135M-Instruct.Q4_1.gguf"
    tok = ananke.Tokenizer.from_gguf(str(gguf))
    assert tok.vocab_size == 49152
    assert sorted(tok.eos_token_ids) == [0, 2]
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(MODEL_DIR), gguf_file=gguf.name)
    again = ananke.Tokenizer.from_hf(hf)
    assert again.vocab_size == tok.vocab_size
    assert again.token_bytes() == tok.token_bytes()
    assert tok.encode(PROGRAM) == hf.encode(PROGRAM, add_special_tokens=False)
    path = tmp_path / "tokenizer.json"
    path.write_text(hf.backend_tokenizer.to_str())
    assert ananke.Tokenizer.from_hf(str(path)).encode(PROGRAM) == tok.encode(PROGRAM)


def test_a_call_policy_follows_aliases(cl100k: ananke.Tokenizer) -> None:
    compiled = ananke.Compiler(cl100k).compile(ananke.Spec({"policy": {"strict": True}}))
    m = ananke.Matcher(compiled)
    assert m.consume_tokens(cl100k.encode("import os as o\nrun = o.system"))
    why = m.explain(cl100k.encode("\n")[0])
    assert "rejected" in why and "`os.system`" in why
    assert not m.consume_token(cl100k.encode("\n")[0])
    # Code that only comes near a denied callable is written as usual.
    ok = ananke.Matcher(compiled)
    assert ok.consume_tokens(cl100k.encode("import os\nprint(os.getcwd())\n"))
    with pytest.raises(ananke.SpecError) as e:
        ananke.Spec({"policy": {"deny_calls": ["os.sytem"]}})
    assert e.value.field == "policy.deny_calls[0]"
