//! TokenMask against a plain set model, on arbitrary inputs.

use std::collections::BTreeSet;

use ananke_core::TokenMask;
use proptest::prelude::*;

fn mask_and_model(n: usize, ids: &[u32]) -> (TokenMask, BTreeSet<u32>) {
    let mut mask = TokenMask::new_empty(n);
    let mut model = BTreeSet::new();
    for &id in ids {
        if mask.set(id, true) {
            model.insert(id);
        }
    }
    (mask, model)
}

proptest! {
    #[test]
    fn set_operations_match_the_model(
        n in 0usize..300,
        a in proptest::collection::vec(0u32..320, 0..60),
        b in proptest::collection::vec(0u32..320, 0..60),
    ) {
        let (ma, sa) = mask_and_model(n, &a);
        let (mb, sb) = mask_and_model(n, &b);
        prop_assert!(sa.iter().all(|&id| (id as usize) < n));

        let mut and = ma.clone();
        and.and_with(&mb);
        prop_assert_eq!(and.iter().collect::<BTreeSet<_>>(), &sa & &sb);
        let mut or = ma.clone();
        or.or_with(&mb);
        prop_assert_eq!(or.iter().collect::<BTreeSet<_>>(), &sa | &sb);
        let mut diff = ma.clone();
        diff.and_not_with(&mb);
        prop_assert_eq!(diff.iter().collect::<BTreeSet<_>>(), &sa - &sb);
        prop_assert_eq!(ma.count(), sa.len());
        prop_assert_eq!(ma.is_subset(&mb), sa.is_subset(&sb));
        prop_assert_eq!(ma.is_empty(), sa.is_empty());
        prop_assert_eq!(ma.first(), sa.first().copied());
        prop_assert_eq!(ma.iter_common(&mb).collect::<BTreeSet<_>>(), &sa & &sb);
        prop_assert_eq!(ma.intersects(&mb), !(&sa & &sb).is_empty());

        // The engine layout: bit i of word w is token 32w + i.
        let words = ma.as_u32_words();
        prop_assert_eq!(words.len(), n.div_ceil(32));
        for id in 0..n as u32 {
            let bit = words[(id / 32) as usize] >> (id % 32) & 1 == 1;
            prop_assert_eq!(bit, sa.contains(&id));
        }
        prop_assert_eq!(TokenMask::from_u32_words(n, words), ma.clone());

        let mut full = TokenMask::new_full(n);
        prop_assert_eq!(full.count(), n);
        full.and_not_with(&ma);
        prop_assert_eq!(full.count(), n - sa.len());
    }

    #[test]
    fn mismatched_lengths_never_panic_or_leak_bits(
        n in 0usize..200, m in 0usize..200, words in proptest::collection::vec(any::<u32>(), 0..10),
    ) {
        let mut a = TokenMask::from_u32_words(n, &words);
        let b = TokenMask::new_full(m);
        a.or_with(&b);
        prop_assert!(a.iter().all(|id| (id as usize) < n));
        prop_assert_eq!(a.count(), a.iter().count());
        a.and_with(&b);
        a.copy_from(&b);
        prop_assert_eq!(a.count(), n.min(m));
    }
}
