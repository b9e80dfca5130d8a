//! The real model: its tokenizer rebuilt from the GGUF round-trips code
//! and agrees with Ananke's vocabulary; decoding is deterministic; every
//! token a constrained reply draws is one the fused mask allows; the
//! oracles judge programs as CPython and mypy do.
//!
//! The model comes from `cargo xtask model` (`cargo xtask test` fetches it
//! first), or `ANANKE_MODEL_DIR`.

use std::fs::File;
use std::path::PathBuf;

use ananke_model::decode::FINISH_WITHIN;
use ananke_model::model::{self, EOS_NAMES};
use ananke_model::oracle::Oracles;
use ananke_model::{
    Arm, DecodeConfig, Decoder, LanguageModel, ModelTokenizer, Sampler, Stop, Task,
};
use ananke_runtime::Spec;
use ananke_testkit::{mypy, python, typed_programs};
use candle_core::quantized::gguf_file;

fn shipped() -> PathBuf {
    model::shipped_gguf(&model::model_dir()).unwrap_or_else(|e| panic!("{e}"))
}

fn tokenizer() -> ModelTokenizer {
    let path = shipped();
    let mut file = File::open(&path).unwrap();
    let content = gguf_file::Content::read(&mut file).unwrap();
    ModelTokenizer::from_gguf(&content, &EOS_NAMES).unwrap()
}

#[test]
fn the_tokenizer_round_trips_code() {
    let tok = tokenizer();
    assert_eq!(tok.len(), 49_152);
    assert_eq!(tok.eos(), [2, 0]);
    assert_eq!(tok.vocab().vocabulary().eos(), [2, 0]);
    // The GGUF's own chat template renders the protocol's chat text (its
    // default system message included).
    let task = task();
    assert_eq!(tok.chat(&task.user_message()).unwrap(), task.chat_text());
    let samples = [
        "def f(x: int) -> int:\n\treturn x  # tab\r\n",
        "naïve = 'ünïcödé 漢字 🙂'\n",
        "n = 1234567890\n",
        "    \n\n  \t x\x0c\n",
    ];
    let sources: Vec<String> = typed_programs()
        .into_iter()
        .map(|program| program.source)
        .chain(samples.iter().map(|s| (*s).to_owned()))
        .collect();
    for source in &sources {
        let ids = tok.encode(source).unwrap();
        assert_eq!(
            tok.bytes(&ids),
            source.as_bytes(),
            "round trip of {source:?}"
        );
        // Ananke's vocabulary spells every id the same way.
        assert_eq!(tok.vocab().decode(&ids), source.as_bytes());
    }
    // Digits are split one by one (SmolLM2's pre-tokenizer).
    assert_eq!(tok.encode("2024").unwrap().len(), 4);
    // Control tokens in the text are matched whole.
    let chat = tok.encode("<|im_start|>user\nhi<|im_end|>\n").unwrap();
    assert_eq!(chat.first(), tok.token_id("<|im_start|>").as_ref());
    assert!(chat.contains(&2));
    assert_eq!(tok.bytes(&chat), b"user\nhi\n");
}

#[test]
fn a_file_that_is_not_gguf_is_an_error() {
    let path = std::env::temp_dir().join(format!("ananke-not-gguf-{}", std::process::id()));
    std::fs::write(&path, b"not a model").unwrap();
    let err = LanguageModel::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a GGUF file"), "{err}");
    let err = model::shipped_gguf(std::path::Path::new("/no/such/dir"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cargo xtask model"), "{err}");
}

fn task() -> Task {
    Task::new(
        "test/clamp",
        "def clamp(x: int, low: int, high: int) -> int:\n    \"\"\"Return x limited to the range [low, high].\"\"\"\n    return x\n",
        "clamp",
        "def check(candidate):\n    assert candidate(5, 0, 3) == 3\n    assert candidate(-1, 0, 3) == 0\n    assert candidate(2, 0, 3) == 2\n",
    )
    .unwrap()
}

#[test]
fn decoding_is_deterministic_and_constrained_replies_follow_the_mask() {
    let mut model = LanguageModel::smollm2(&model::model_dir()).unwrap();
    let mut decoder = Decoder::new(&mut model);
    let task = task();
    let spec = Spec::default();
    let config = DecodeConfig {
        sampler: Sampler::TopP {
            p: 0.95,
            temperature: 0.7,
        },
        seed: 7,
        max_tokens: 64,
        backtrack: true,
    };
    for arm in [Arm::Unconstrained, Arm::Full] {
        let constraints = decoder.compile(arm, &spec).unwrap();
        let first = decoder
            .generate(&task, arm, constraints.as_ref(), &config)
            .unwrap();
        let again = decoder
            .generate(&task, arm, constraints.as_ref(), &config)
            .unwrap();
        assert_eq!(first.reply, again.reply, "{arm:?}: same seed, same reply");
        assert!(first.generated > 0 && first.generated <= 2 * config.max_tokens + FINISH_WITHIN);
        assert!(first.decode_time > std::time::Duration::ZERO);
        if arm == Arm::Full {
            assert!(
                first.reply.starts_with("```python\ndef clamp("),
                "{}",
                first.reply
            );
            assert_eq!(first.mask_times.len(), first.generated);
            assert!(first.generated >= first.retracted);
            // Re-read the reply's body through a fresh session: every
            // token the model drew is one the constraints accept.
            let ananke = constraints.as_ref().unwrap();
            let mut session = ananke.body_session(&task.header).unwrap();
            let forced = format!("```python\n{}", task.prompt.trim_end_matches('\n'));
            let body = first.reply[forced.len()..].trim_end_matches(['`', '\n']);
            let docstring = &task.prompt[task.header.len()..task.prompt.len() - 1];
            let text = format!("{docstring}{body}");
            let tokens = ananke.vocab().encode(&text);
            assert_eq!(
                session.commit_many(&tokens).unwrap(),
                tokens.len(),
                "{text:?}"
            );
            if first.stop == Stop::Fence {
                assert!(
                    session.is_accepting().unwrap(),
                    "closed only when complete: {text:?}"
                );
            }
        }
    }
}

#[test]
fn greedy_constrained_replies_are_programs_mypy_accepts() {
    let scratch = std::env::temp_dir().join(format!("ananke-oracles-{}", std::process::id()));
    let oracles = Oracles::new(python(), mypy(), scratch).unwrap();
    let task = task();
    // The oracles on known programs first.
    let good = format!("{}    return max(low, min(x, high))\n", task.prompt);
    let ill_typed = format!("{}    return str(x)\n", task.prompt);
    let broken = format!("{}    return (x\n", task.prompt);
    let verdicts = oracles
        .judge(
            &task,
            &[("good", &good), ("ill", &ill_typed), ("broken", &broken)],
        )
        .unwrap();
    assert!(verdicts["good"].parses && verdicts["good"].mypy_clean && verdicts["good"].tests_pass);
    assert!(verdicts["ill"].parses && !verdicts["ill"].mypy_clean);
    assert_eq!(verdicts["ill"].mypy_codes, ["return-value"]);
    assert!(!verdicts["broken"].parses && !verdicts["broken"].tests_pass);

    let mut model = LanguageModel::smollm2(&model::model_dir()).unwrap();
    let mut decoder = Decoder::new(&mut model);
    let config = DecodeConfig {
        max_tokens: 96,
        ..DecodeConfig::default()
    };
    let constraints = decoder.compile(Arm::Full, &Spec::default()).unwrap();
    let g = decoder
        .generate(&task, Arm::Full, constraints.as_ref(), &config)
        .unwrap();
    let program = task.program(&g.reply);
    let verdict = &oracles.judge(&task, &[("full", &program)]).unwrap()["full"];
    println!("{program}\n{verdict:?} ({:?})", g.stop);
    assert_eq!(g.stop, Stop::Fence, "{}", g.reply);
    assert!(
        verdict.parses && verdict.mypy_clean,
        "{program}\n{verdict:?}"
    );
}

#[test]
fn a_reply_with_no_budget_left_is_rescued_by_a_placeholder_return() {
    let mut model = LanguageModel::smollm2(&model::model_dir()).unwrap();
    let mut decoder = Decoder::new(&mut model);
    let task = task();
    // Two tokens: the model's line break, then `return`, whose value the
    // budget leaves no room for.
    let config = DecodeConfig {
        max_tokens: 2,
        ..DecodeConfig::default()
    };
    let constraints = decoder.compile(Arm::Full, &Spec::default()).unwrap();
    let ananke = constraints.as_ref().unwrap();
    let g = decoder
        .generate(&task, Arm::Full, Some(ananke), &config)
        .unwrap();
    assert_eq!(g.stop, Stop::Rescued, "{}", g.reply);
    assert!(g.reply.ends_with("    return 0\n```"), "{}", g.reply);
    // The reply is one the constraints accept, complete.
    let mut session = ananke.body_session(&task.header).unwrap();
    let forced = format!("```python\n{}", task.prompt.trim_end_matches('\n'));
    let body = g.reply[forced.len()..].trim_end_matches(['`', '\n']);
    let docstring = &task.prompt[task.header.len()..task.prompt.len() - 1];
    let tokens = ananke.vocab().encode(&format!("{docstring}{body}\n"));
    assert_eq!(session.commit_many(&tokens).unwrap(), tokens.len());
    assert!(session.is_accepting().unwrap(), "{}", g.reply);
}

#[test]
fn every_hole_of_the_demo_template_closes_and_the_program_is_mypy_clean() {
    let spec = Spec::from_toml(include_str!("../../../demo/holes/ranking.toml")).unwrap();
    let template = spec.template().unwrap().unwrap();
    let mut model = LanguageModel::smollm2(&model::model_dir()).unwrap();
    let mut decoder = Decoder::new(&mut model);
    let constraints = decoder.compile(Arm::Full, &spec).unwrap();
    let config = DecodeConfig {
        max_tokens: 48,
        ..DecodeConfig::default()
    };
    let (program, replies) = decoder
        .fill_template(&template, constraints.as_ref(), &config)
        .unwrap();
    let names: Vec<&str> = replies.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["top", "total"], "in the order of the text");
    for reply in &replies {
        assert!(reply.closed, "{reply:?}");
        assert!(program.contains(&reply.text), "{program}");
        assert!(reply.generated <= config.max_tokens);
    }
    assert!(!program.contains("# hole:") || program.contains("# hole: ranking"));
    let scratch = std::env::temp_dir().join(format!("ananke-holes-{}", std::process::id()));
    let oracles = Oracles::new(python(), mypy(), scratch).unwrap();
    let task = Task {
        source: program.clone(),
        ..task()
    };
    let verdict = &oracles.judge(&task, &[("demo", &program)]).unwrap()["demo"];
    assert!(
        verdict.parses && verdict.mypy_clean,
        "{verdict:?}\n{program}"
    );
}
