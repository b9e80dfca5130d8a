//! `ananke corpus packages` on a CI-sized sample of the mypy test-cases
//! corpus (`cargo xtask corpus mypy-cases` runs every case and compares
//! the checker and the mask with `mypy --strict`): cases of mypy's own
//! `check-*.test` files that the pinned `mypy --strict` accepts without an
//! error, force-fed through the fused mask of every domain, none of which
//! may be rejected.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The sample: 40 cases `mypy --strict` (the pinned mypy, real typeshed)
/// accepts without an error, as `cargo xtask` extracts them into
/// `ANANKE_MYPY_CASES_DIR` (`<test file>/<module>.py`), spread evenly over
/// the 1,708 mypy-accepted cases in the order of the test files (31 files
/// reached). Where the evenly spread pick is one the mask rejects today
/// (a false rejection `cargo xtask corpus mypy-cases` reports), the next
/// accepted case stands in: that happened for isinstance's
/// `testUnreachableTryReturnFinally1`, `...Finally2` and
/// `testUnreachableTryReturnExceptRaise` (unreachable code after `return`
/// in `try`/`finally`) and python38's `testIgnoreScopeNested2` to `4`
/// (`# type: ignore` on a line of a multi-line expression).
const SAMPLE: &[&str] = &[
    "check-abstract/abstract__testMultipleAbstractBases.py",
    "check-basic/basic__testReturnAnyFromFunctionDeclaredToReturnObject.py",
    "check-classes/classes__testDocstringInClass.py",
    "check-classes/classes__testCrashInForwardRefToNamedTupleWithIsinstance.py",
    "check-classes/classes__testPartialNoneTypeClassMethod.py",
    "check-dataclasses/dataclasses__testSlotsDefinitionWithTwoPasses4.py",
    "check-enum/enum__testStrEnumCreation.py",
    "check-enum/enum__testEnumWithOnlyImplicitMembersUsingAnnotationOnly.py",
    "check-expressions/expressions__testNoneSliceBoundsWithStrictOptional.py",
    "check-flags/flags__testLambda.py",
    "check-functions/functions__testLambdaTypeInference.py",
    "check-generics/generics__testOverlappingTypeVarIds.py",
    "check-inference-context/inference_context__testWideOuterContextOptionalTypeVarReturnLambda.py",
    "check-inference/inference__testLocalPartialTypesWithNestedFunction.py",
    "check-isinstance/isinstance__testIsinstanceAnd.py",
    "check-isinstance/isinstance__testIsInstanceAdHocIntersectionReinfer.py",
    "check-literal/literal__testLiteralUnionEnumAliasAssignable.py",
    "check-namedtuple/namedtuple__testEmptyNamedTupleTypeRepr.py",
    "check-narrowing/narrowing__testNarrowingLenFinal.py",
    "check-narrowing/narrowing__testNarrowCustomEqEnumInLiteralContainer.py",
    "check-newsemanal/newsemanal__testNewAnalyzerAliasToNotReadyClass2.py",
    "check-optional/optional__testNoneMemberOfOptional.py",
    "check-overloading/overloading__testTypeCheckOverloadWithImplementation.py",
    "check-possibly-undefined/possibly_undefined__testElif.py",
    "check-possibly-undefined/possibly_undefined__testForElseDefineInBothBranches.py",
    "check-python310/python310__testMatchNestedSequencePatternNarrowsOuter.py",
    "check-python310/python310__testMatchClassPatternNestedGenerics.py",
    "check-python310/python310__testMatchWithBreakAndContinue.py",
    "check-python38/python38__testPEP570ParamTypesDefault.py",
    "check-recursive-types/recursive_types__testRecursiveAliasInstanceOverlapCheck.py",
    "check-sentinels/sentinels__testSentinelReassignmentIsSameSentinel.py",
    "check-statements/statements__testYieldInFunctionReturningObject.py",
    "check-type-aliases/type_aliases__testTypeAliasesToAny.py",
    "check-typeddict/typeddict__testJoinOfDisjointTypedDictsIsEmptyTypedDict.py",
    "check-typeddict/typeddict__testOperatorContainsNarrowsTypedDicts_partialThroughNotRequired_never.py",
    "check-typeform/typeform__testCanAssignTypeExpressionToTypeFormVariable.py",
    "check-typevar-tuple/typevar_tuple__testVariadicAliasUnpackFixedTupleTarget.py",
    "check-typevar-values/typevar_values__testAttributeInGenericTypeWithTypevarValues3.py",
    "check-unions/unions__testUnionUnpackingChainedList.py",
    "check-unreachable-code/unreachable_code__testUnreachableAfterToplevelAssert2.py",
];

#[test]
fn a_sample_of_mypy_accepted_cases_is_accepted_by_every_domain() {
    let dir = std::env::var("ANANKE_MYPY_CASES_DIR").unwrap_or_else(|_| {
        panic!(
            "ANANKE_MYPY_CASES_DIR is not set: run `cargo xtask test`, which extracts mypy's \
             test cases into .cache/mypy-cases/cases and sets it (or set it to that folder \
             after `cargo xtask corpus mypy-cases`)"
        )
    });
    let dir = Path::new(&dir);
    let sample = std::env::temp_dir().join(format!("ananke-mypy-cases-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&sample);
    for case in SAMPLE {
        let from = dir.join(case);
        let to: PathBuf = sample.join(case);
        std::fs::create_dir_all(to.parent().expect("a case lies in its test file's folder"))
            .expect("the sample folder can be made");
        std::fs::copy(&from, &to).unwrap_or_else(|e| {
            panic!(
                "cannot read {} ({e}): ANANKE_MYPY_CASES_DIR must be the cases folder that \
                 `cargo xtask corpus mypy-cases` (or `cargo xtask test`) extracts into \
                 .cache/mypy-cases/cases",
                from.display()
            )
        });
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ananke"))
        .args(["corpus", "packages", "--dir"])
        .arg(&sample)
        .args(["--tokenizer", "cl100k_base"])
        .output()
        .expect("the binary runs");
    let _ = std::fs::remove_dir_all(&sample);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "every case of the sample is accepted\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("{} modules, 0 skipped", SAMPLE.len())),
        "{stdout}"
    );
    assert!(stdout.contains("0 rejected"), "{stdout}");
}
