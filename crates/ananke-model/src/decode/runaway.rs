//! When a line runs away: too long, a repeat of a line just before it, or
//! a short token cycle over and over. The decoder then goes back to the
//! line's start and bans the token that began it (see
//! [`DecodeConfig::backtrack`](super::DecodeConfig::backtrack)). Apart from
//! the decoder: pure functions of the tokens and bytes decoded.

/// Tokens one line may take before the decoder calls it a runaway.
pub const LINE_LIMIT: usize = 96;
/// Backtracks allowed in one reply.
pub const MAX_BACKTRACKS: usize = 8;

/// A line that repeats one of this many non-blank lines before it runs
/// away.
pub const REPEAT_WINDOW: usize = 4;

/// Whether the line being written runs away after `token` (whose bytes
/// were just appended): the index of the mark to go back to.
pub(super) fn runaway(
    body: &[u8],
    token: &[u8],
    kept: &[u32],
    marks: &[(usize, usize)],
    body_start: usize,
) -> Option<usize> {
    let last = marks.len() - 1;
    if kept.len() - marks[last].0 > LINE_LIMIT {
        return Some(last);
    }
    if !token.contains(&b'\n') {
        return None;
    }
    // The latest complete non-blank line, against the non-blank lines
    // just before it (loops often alternate with blank lines, or cycle
    // through a few).
    let complete = &body[..body.iter().rposition(|&b| b == b'\n')?];
    let mut lines = complete
        .split(|&b| b == b'\n')
        .scan(0usize, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line.trim_ascii_end()))
        })
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .collect::<Vec<_>>()
        .into_iter()
        .rev();
    let (start, newest) = lines.next()?;
    if !lines.take(REPEAT_WINDOW).any(|(_, line)| line == newest) {
        return None;
    }
    // The latest mark at or before the repeated line's start.
    marks.iter().rposition(|&(_, at)| at <= body_start + start)
}

/// A token cycle repeated this many times in one line runs away.
pub const CYCLE_REPEATS: usize = 4;
/// ... and covers at least this many tokens (`[0, 0, 0]` is code; twelve
/// `_case` pieces in one name are a loop).
pub const CYCLE_TOKENS: usize = 12;
/// The longest token cycle looked for.
pub const CYCLE_PERIOD: usize = 16;

/// Whether the tokens of the line starting at `line` end with a short
/// cycle repeated over and over (`_case_case_case…`, `list + list + …`):
/// the position where its second copy starts, to go back to (one copy
/// stays).
pub(super) fn cycle(kept: &[u32], line: usize) -> Option<usize> {
    let tail = &kept[line..];
    let n = tail.len();
    (1..=CYCLE_PERIOD).find_map(|p| {
        let unit = tail.get(n.checked_sub(p)?..)?;
        let copies = tail.rchunks_exact(p).take_while(|c| *c == unit).count();
        (copies >= CYCLE_REPEATS && copies * p >= CYCLE_TOKENS).then(|| line + n - copies * p + p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_cycles_in_a_line_send_the_decoder_back_to_their_second_copy() {
        // `toggle_string_case_case_case…`: 1 then 12 copies of 5.
        let mut kept = vec![9, 9, 1];
        kept.extend([5; 12]);
        assert_eq!(cycle(&kept, 2), Some(4));
        // Eleven copies are not enough for a one-token cycle …
        assert_eq!(cycle(&kept[..kept.len() - 1], 2), None);
        // … nor tokens before the line's start.
        assert_eq!(cycle(&kept, 6), None);
        // `list + list + list …`: a two-token cycle, six times.
        let mut kept = vec![3, 4];
        for _ in 0..6 {
            kept.extend([7, 4]);
        }
        assert_eq!(cycle(&kept, 0), Some(4));
        // A cycle that has just been broken is no runaway.
        kept.push(8);
        assert_eq!(cycle(&kept, 0), None);
    }

    #[test]
    fn runaway_lines_send_the_decoder_back_to_their_start() {
        // Marks: (tokens kept, reply length) at each line start; the body
        // starts at byte 10 of the reply.
        let body = b"    x = 1\n    # a\n    # a\n";
        let marks = [(0, 10), (3, 20), (5, 28)];
        let kept = [7u32; 7];
        // The second `# a` repeats the first: back to where it starts.
        assert_eq!(runaway(body, b"\n", &kept, &marks, 10), Some(2));
        // Loops through a few lines, with blank lines between, too.
        let cycle = b"    x = 1\n    # a\n\n    # b\n    # a\n\n";
        let marks_cycle = [(0, 10), (3, 20), (4, 21), (5, 28)];
        assert_eq!(runaway(cycle, b"\n\n", &kept, &marks_cycle, 10), Some(3));
        // Different lines, or a token without a line break: no.
        let body = b"    x = 1\n    # a\n    # b\n";
        assert_eq!(runaway(body, b"\n", &kept, &marks, 10), None);
        assert_eq!(
            runaway(b"    x = 1\n    # a\n    # a", b" a", &kept, &marks, 10),
            None
        );
        // Blank lines may repeat.
        assert_eq!(runaway(b"x\n\n\n", b"\n", &kept, &[(0, 10)], 10), None);
        // A line longer than the limit: back to its start.
        let long = vec![1u32; LINE_LIMIT + 2];
        assert_eq!(
            runaway(b"return (1 + 1 + 1", b" +", &long, &[(0, 10), (1, 12)], 10),
            Some(1)
        );
    }
}
