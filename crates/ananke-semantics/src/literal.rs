//! The one place the semantics domain reads ahead: a decimal literal
//! being written right after `return` is taken to be the returned value,
//! so each digit after which no literal with those digits can satisfy the
//! postcondition is masked. Apart from the domain: plain arithmetic on
//! the literal's text and the bounds Z3 found, with no Z3 in it.

/// A returned decimal literal being written: its sign, digits and value.
pub(crate) struct Literal {
    /// The literal as written, sign included.
    pub(crate) text: String,
    negative: bool,
    value: i128,
}

impl Literal {
    /// Whether some literal starting with these digits lies in `low..=high`
    /// (`None`: unbounded on that side).
    pub(crate) fn can_reach(&self, low: Option<i128>, high: Option<i128>) -> bool {
        let inside = |v: i128| low.is_none_or(|l| v >= l) && high.is_none_or(|h| v <= h);
        if inside(self.value) {
            return true;
        }
        // Longer literals: from value·10 outwards, without end.
        match self.negative {
            false => high.is_none_or(|h| h >= self.value.saturating_mul(10)),
            true => low.is_none_or(|l| l <= self.value.saturating_mul(10)),
        }
    }
}

/// The literal `written` (the text after `return`) becomes with `bytes`,
/// when both are a (signed) decimal literal in the making and `bytes` adds
/// digits.
pub(crate) fn literal_after(written: &str, bytes: &[u8]) -> Option<Literal> {
    let added = std::str::from_utf8(bytes).ok()?;
    if !added.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = format!("{written}{added}");
    if !text.starts_with([' ', '\t']) {
        return None;
    }
    let body = text.trim_start();
    let (negative, digits) = match body.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, body),
    };
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.starts_with('0') {
        // `0x1f`, `0o17`, `0b1`: a leading zero says nothing yet.
        return None;
    }
    let magnitude: i128 = digits.parse().ok()?;
    Some(Literal {
        text: body.to_owned(),
        negative,
        value: if negative { -magnitude } else { magnitude },
    })
}
