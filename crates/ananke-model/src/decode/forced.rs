//! What a constrained reply is given rather than decodes: the opening
//! fence and the prompt's own code, forced; the session positioned after
//! them; the body's indentation the finish writes `return` at; and the
//! fence that closes the block. Apart from the decoder: the same for every
//! step of a reply.

use ananke_runtime::{Ananke, Session};

use crate::ModelError;
use crate::protocol::Task;

/// The opening of every constrained reply.
pub const OPEN_FENCE: &str = "```python\n";

/// What closes a reply's code block (at a line start).
pub const CLOSE_FENCE: &str = "```";

/// The indentation of the prompt's last line (the docstring's closing
/// line): the function body's.
pub(super) fn body_indent(task: &Task) -> &str {
    let last = forced_prompt(task).rsplit('\n').next().unwrap_or_default();
    &last[..last.len() - last.trim_start().len()]
}

/// The prompt as forced into a reply: without its final line break, so
/// that the model itself writes the break and the next line's indentation
/// (its tokenizer merges them into one token, which a forced lone break
/// would rule out — the break would sit on a token boundary the model
/// never saw in training).
pub(super) fn forced_prompt(task: &Task) -> &str {
    task.prompt.strip_suffix('\n').unwrap_or(&task.prompt)
}

/// A session positioned after the task's prompt: a closed body after the
/// function's header, with the docstring committed.
pub(super) fn start_session(ananke: &Ananke, task: &Task) -> Result<Session, ModelError> {
    let mut session = ananke.body_session(&task.header)?;
    let rest = &forced_prompt(task)[task.header.len()..];
    let tokens = ananke.vocab().encode(rest);
    let committed = session.commit_many(&tokens)?;
    if committed < tokens.len() {
        return Err(ModelError::Task(format!(
            "{}: the constraints reject the prompt's own docstring",
            task.id
        )));
    }
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_indentation_is_the_prompts_last_line() {
        let task = Task::new(
            "MBPP/0",
            "def f(x: int) -> int:\n \"\"\"\n Doc.\n \"\"\"\n return x\n",
            "f",
            "",
        )
        .unwrap();
        assert_eq!(body_indent(&task), " ");
    }
}
