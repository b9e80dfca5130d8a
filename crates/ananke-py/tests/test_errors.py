"""Every bad input raises the right exception, and the interpreter
survives: wrong bitmasks, bad token ids, bad specs and tokenizers, a
matcher whose domain panics (the fixture plugin), a matcher used after it
failed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ananke
from conftest import PLUGINS


@pytest.fixture()
def matcher(default_cl100k: ananke.Compiled) -> ananke.Matcher:
    return ananke.Matcher(default_cl100k)


def words(m: ananke.Matcher) -> int:
    return ananke.bitmask_words(m.vocab_size)


def test_wrong_dtype_raises_type_error(matcher: ananke.Matcher) -> None:
    for dtype in (np.int64, np.float32, np.uint8, np.int16):
        with pytest.raises(TypeError, match="int32"):
            matcher.fill_next_token_bitmask(np.zeros((1, words(matcher)), dtype=dtype))


def test_wrong_torch_dtype_raises_type_error(matcher: ananke.Matcher) -> None:
    import torch

    with pytest.raises(TypeError, match="torch.int32"):
        matcher.fill_next_token_bitmask(torch.zeros((1, words(matcher)), dtype=torch.int64))


def test_wrong_shape_raises_value_error(matcher: ananke.Matcher) -> None:
    n = words(matcher)
    with pytest.raises(ValueError, match="shape"):
        matcher.fill_next_token_bitmask(np.zeros((1, 1, n), dtype=np.int32))
    with pytest.raises(ValueError, match="words"):
        matcher.fill_next_token_bitmask(np.zeros((1, n - 1), dtype=np.int32))


def test_non_contiguous_rows_raise_value_error(matcher: ananke.Matcher) -> None:
    n = words(matcher)
    wide = np.zeros((2, 2 * n), dtype=np.int32)
    with pytest.raises(ValueError, match="contiguous"):
        matcher.fill_next_token_bitmask(wide[:, ::2])
    column_major = np.asfortranarray(np.zeros((4, n), dtype=np.int32))
    with pytest.raises(ValueError):
        matcher.fill_next_token_bitmask(column_major)


def test_a_strided_row_view_is_filled_in_place(matcher: ananke.Matcher) -> None:
    n = words(matcher)
    wide = np.zeros((3, n + 7), dtype=np.int32)
    view = wide[:, 2 : 2 + n]
    matcher.fill_next_token_bitmask(view, 1)
    assert wide[1, 2:].any() and not wide[1, :2].any() and not wide[0].any()


def test_read_only_and_foreign_objects_are_refused(matcher: ananke.Matcher) -> None:
    frozen = np.zeros((1, words(matcher)), dtype=np.int32)
    frozen.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        matcher.fill_next_token_bitmask(frozen)
    with pytest.raises(TypeError):
        matcher.fill_next_token_bitmask([[0] * words(matcher)])
    with pytest.raises(TypeError):
        matcher.fill_next_token_bitmask(None)


def test_row_index_out_of_range_raises_index_error(matcher: ananke.Matcher) -> None:
    bitmask = np.zeros((2, words(matcher)), dtype=np.int32)
    for index in (2, -1, 10**6):
        with pytest.raises(IndexError):
            matcher.fill_next_token_bitmask(bitmask, index)


def test_bad_token_ids_raise_value_error_and_change_nothing(matcher: ananke.Matcher) -> None:
    for token in (-1, matcher.vocab_size, 2**40):
        with pytest.raises((ValueError, OverflowError)):
            matcher.consume_token(token)
    with pytest.raises(ValueError):
        matcher.consume_tokens([1, -5])
    with pytest.raises(ValueError):
        matcher.validate_tokens([matcher.vocab_size])
    with pytest.raises(ValueError):
        matcher.explain(matcher.vocab_size + 3)
    assert matcher.tokens == []
    assert not matcher.is_error()


def test_rollback_and_restore_errors(matcher: ananke.Matcher, cl100k: ananke.Tokenizer) -> None:
    assert matcher.consume_tokens(cl100k.encode("x = 1"))
    with pytest.raises(ValueError, match="roll back"):
        matcher.rollback(100)
    with pytest.raises(ValueError, match="checkpoint"):
        matcher.restore(12345)
    assert not matcher.is_error()


def test_batch_errors(default_cl100k: ananke.Compiled) -> None:
    a, b = ananke.Matcher(default_cl100k), ananke.Matcher(default_cl100k)
    bitmask = np.zeros((2, ananke.bitmask_words(default_cl100k.vocab_size)), dtype=np.int32)
    with pytest.raises(ValueError, match="rows"):
        ananke.fill_next_token_bitmask_batch([a, b], bitmask, [0])
    with pytest.raises(ValueError, match="same row"):
        ananke.fill_next_token_bitmask_batch([a, b], bitmask, [1, 1])
    with pytest.raises(ananke.AnankeError, match="twice"):
        ananke.fill_next_token_bitmask_batch([a, a], bitmask, [0, 1])
    with pytest.raises(IndexError):
        ananke.fill_next_token_bitmask_batch([a, b], bitmask, [0, 2])
    with pytest.raises(TypeError):
        ananke.fill_next_token_bitmask_batch([a, "b"], bitmask)


def test_bad_specs_raise_spec_error_naming_the_field(cl100k: ananke.Tokenizer) -> None:
    with pytest.raises(ananke.SpecError) as e:
        ananke.Spec('[imports]\nforbidden = ["os", "not a module!"]\n')
    assert e.value.field == "imports.forbidden[1]"
    with pytest.raises(ananke.SpecError) as e:
        ananke.Spec({"holes": [{"name": "f", "granularity": "galaxy"}]})
    assert e.value.field.startswith("holes[0]")
    with pytest.raises(ananke.SpecError) as e:
        ananke.Spec({"syntax": {"backend": "yacc"}})
    assert "syntax.backend" in e.value.field
    with pytest.raises(ananke.SpecError):
        ananke.Spec("[imports\n")
    with pytest.raises(ananke.SpecError):
        ananke.Spec(Path("/nonexistent/spec.toml"))
    with pytest.raises(TypeError):
        ananke.Spec(42)
    with pytest.raises(ValueError, match="syntax"):
        ananke.Compiler(cl100k).compile(ananke.Spec(), domains=["types"])
    with pytest.raises(ValueError, match="unknown domain"):
        ananke.Compiler(cl100k).compile(ananke.Spec(), domains=["syntax", "astrology"])
    # A spec error is an AnankeError too.
    assert issubclass(ananke.SpecError, ananke.AnankeError)


def test_bad_tokenizers_raise_tokenizer_error(tmp_path: Path) -> None:
    with pytest.raises(ananke.TokenizerError, match="unknown vocabulary"):
        ananke.Tokenizer.from_tiktoken("p50k_nope")
    with pytest.raises(ananke.TokenizerError):
        ananke.Tokenizer.from_hf(str(tmp_path / "missing.json"))
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json")
    with pytest.raises(ananke.TokenizerError):
        ananke.Tokenizer.from_hf(str(bad))
    with pytest.raises(ananke.TokenizerError, match="GGUF"):
        ananke.Tokenizer.from_gguf(str(bad))
    with pytest.raises(TypeError):
        ananke.Tokenizer.from_hf(3.5)


def panicking(cl100k: ananke.Tokenizer, fault: str) -> ananke.Compiled:
    plugin = PLUGINS / "libananke_plugin_fixture.so"
    assert plugin.is_file(), f"{plugin} is missing (cargo xtask plugins builds it)"
    spec = ananke.Spec({"plugins": [{"path": str(plugin), "constraint": fault}]})
    return ananke.Compiler(cl100k).compile(spec, domains=["syntax"])


def test_a_panicking_domain_fails_the_matcher_which_says_why_on_every_later_call(
    cl100k: ananke.Tokenizer,
) -> None:
    m = ananke.Matcher(panicking(cl100k, "panic-in-mask"))
    bitmask = ananke.allocate_token_bitmask(1, cl100k.vocab_size)
    with pytest.raises(ananke.AnankeError) as first:
        m.fill_next_token_bitmask(bitmask)
    assert "panic" in str(first.value)
    assert m.is_error() and "panic" in (m.error() or "")
    for call in (
        lambda: m.fill_next_token_bitmask(bitmask),
        lambda: m.consume_token(1),
        lambda: m.rollback(0),
        lambda: m.is_accepting(),
        lambda: m.fork(),
    ):
        with pytest.raises(ananke.MatcherFailedError, match="failed earlier.*panic"):
            call()
    # The batch fill reports it too, and still fills the healthy rows.
    healthy = ananke.Matcher(panicking(cl100k, "panic-in-observe"))
    bitmask = np.zeros((2, ananke.bitmask_words(cl100k.vocab_size)), dtype=np.int32)
    with pytest.raises(ananke.MatcherFailedError):
        ananke.fill_next_token_bitmask_batch([healthy, m], bitmask)
    assert bitmask[0].any()
    # reset() starts afresh (and the fault is hit again).
    m.reset()
    assert not m.is_error()
    with pytest.raises(ananke.AnankeError):
        m.fill_next_token_bitmask(bitmask)


def test_a_panic_in_observe_fails_the_matcher(cl100k: ananke.Tokenizer) -> None:
    m = ananke.Matcher(panicking(cl100k, "panic-in-observe"))
    with pytest.raises(ananke.AnankeError, match="panic"):
        m.consume_token(cl100k.encode("x")[0])
    with pytest.raises(ananke.MatcherFailedError):
        m.consume_token(cl100k.encode("x")[0])
