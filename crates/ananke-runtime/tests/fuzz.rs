//! Bad input at the runtime's doors: spec files of any shape, JSON schemas
//! of any shape on both grammar backends, and truncated plugin libraries.
//! Each gives a result or a clear error; none panics or crashes the
//! process. `ANANKE_FUZZ_CASES` sets the number of cases.

mod common;

use ananke_runtime::{Plugin, Spec};
use ananke_syntax::{GrammarSource, SyntaxDomain, SyntaxVocab, backend_by_name};
use proptest::prelude::*;

fn cases(default: u32) -> u32 {
    std::env::var("ANANKE_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

const SPEC_PIECES: &[&str] = &[
    "[syntax]\n",
    "[imports]\n",
    "[types]\n",
    "[cfg]\n",
    "[[holes]]\n",
    "[[plugins]]\n",
    "tokenizer = \"cl100k_base\"\n",
    "backend = \"xgrammar\"\n",
    "backend = 3\n",
    "forbidden = [\"os\", \"os..path\"]\n",
    "required = [\"math\"]\n",
    "versions = [\"numpy>=2\"]\n",
    "versions = [\"numpy\"]\n",
    "requirements = \"returns; max_nesting=0\"\n",
    "body_prefix = \"def f(x: int) -> int:\\n\"\n",
    "body_prefix = \"x\"\n",
    "type_ignore = \"forbid\"\n",
    "type_ignore = \"never\"\n",
    "name = \"h\"\n",
    "granularity = \"galaxy\"\n",
    "path = \"/no/such.so\"\n",
    "grammar_file = \"/none.lark\"\n",
    "grammar = \"python\"\n",
    "unknown = 1\n",
    "= =\n",
    "\"\n",
    "[\n",
];

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        (-5i64..5).prop_map(|n| serde_json::json!(n)),
        prop::sample::select(
            &[
                "object", "array", "string", "integer", "number", "boolean", "null", "^a+$", "x",
            ][..]
        )
        .prop_map(|s| serde_json::json!(s)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(
                        &[
                            "type",
                            "properties",
                            "items",
                            "required",
                            "enum",
                            "const",
                            "minItems",
                            "maxLength",
                            "pattern",
                            "anyOf",
                            "oneOf",
                            "allOf",
                            "$ref",
                            "additionalProperties",
                            "minimum",
                            "a",
                        ][..]
                    ),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| serde_json::Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    #[test]
    fn spec_files_of_any_shape_give_a_spec_or_an_error(
        pieces in prop::collection::vec(prop::sample::select(SPEC_PIECES), 0..10),
    ) {
        let text = pieces.concat();
        if let Ok(spec) = Spec::from_toml(&text) {
            let _ = spec.validate();
        }
    }

    #[test]
    fn json_schemas_of_any_shape_never_panic(schema in json_value()) {
        let vocab = SyntaxVocab::by_name("cl100k_base").unwrap();
        for backend in ["llguidance", "xgrammar"] {
            let domain = SyntaxDomain::new(backend_by_name(backend, &vocab).unwrap());
            if let Ok(start) = domain.constraint(&GrammarSource::JsonSchema(schema.to_string()), "fuzz") {
                let _ = start.observe(vocab.encode("{")[0]);
            }
        }
    }
}

#[test]
fn truncated_plugin_libraries_are_refused_cleanly() {
    let library = common::library("style");
    let bytes = std::fs::read(&library).unwrap();
    let dir = std::env::temp_dir().join(format!("ananke-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut refused = 0;
    for (i, len) in [
        0,
        1,
        16,
        63,
        64,
        512,
        4096,
        bytes.len() / 2,
        bytes.len() - 1,
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.join(format!("libtruncated_{i}.so"));
        std::fs::write(&path, &bytes[..len.min(bytes.len())]).unwrap();
        match Plugin::load(&path) {
            Ok(_) => {}
            Err(e) => {
                assert!(e.to_string().contains("libtruncated"), "{e}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 8, "{refused} of 9 truncated copies refused");
}
