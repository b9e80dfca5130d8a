//! The evaluation protocol's text handling: the prompt cut from a record,
//! the chat text, and the program extracted from a reply.
//!
//! These are pure functions on strings, so the protocol is tested without a
//! model.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::ModelError;

/// The default system message of SmolLM2's chat template.
pub const SYSTEM: &str = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

/// A task: a typed function to complete, cut from a record's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The record id.
    pub id: String,
    /// The function to complete.
    pub entry_point: String,
    /// The source up to and including the line that closes the entry
    /// function's docstring.
    pub prompt: String,
    /// The prompt up to and including the function's `def ...:` line
    /// (what the body's types are read from).
    pub header: String,
    /// The test code, defining `check(candidate)`.
    pub tests: String,
    /// The function's return annotation as written (`List[int]`), if any.
    pub returns: Option<String>,
    /// The whole source the task was cut from (the fill-in-the-middle
    /// evaluation cuts its holes from it).
    pub source: String,
}

impl Task {
    /// Cuts the prompt out of `source`: everything up to the end of the
    /// line holding the closing quotes of `entry_point`'s docstring (the
    /// function's first statement, found by parsing the source).
    pub fn new(id: &str, source: &str, entry_point: &str, tests: &str) -> Result<Task, ModelError> {
        let bad = |why: &str| ModelError::Task(format!("{id}: {why}"));
        let parsed = ruff_python_parser::parse_module(source)
            .map_err(|e| bad(&format!("the source does not parse: {e}")))?;
        let function = parsed
            .syntax()
            .body
            .iter()
            .find_map(|s| match s {
                Stmt::FunctionDef(f) if f.name.as_str() == entry_point => Some(f),
                _ => None,
            })
            .ok_or_else(|| bad(&format!("no top-level function `{entry_point}`")))?;
        let docstring = function
            .body
            .iter()
            .find_map(|s| match s {
                Stmt::Expr(e) if matches!(*e.value, Expr::StringLiteral(_)) => Some(e.range()),
                Stmt::Import(_) | Stmt::ImportFrom(_) => None,
                _ => Some(ruff_text_size::TextRange::default()),
            })
            .filter(|r| !r.is_empty())
            .ok_or_else(|| bad("the function has no docstring"))?;
        let body_start = usize::from(function.body[0].start());
        let header_end = line_end(source, source[..body_start].rfind('\n').unwrap_or(0));
        Ok(Task {
            id: id.to_owned(),
            entry_point: entry_point.to_owned(),
            prompt: source[..line_end(source, usize::from(docstring.end()))].to_owned(),
            header: source[..header_end].to_owned(),
            tests: tests.to_owned(),
            returns: function
                .returns
                .as_ref()
                .map(|r| source[r.range()].to_owned()),
            source: source.to_owned(),
        })
    }

    /// Reads a JSONL record `{id, source, entry_point, tests}`.
    pub fn from_record(record: &serde_json::Value) -> Result<Task, ModelError> {
        let field = |name: &str| {
            record[name]
                .as_str()
                .ok_or_else(|| ModelError::Task(format!("a record lacks the text field `{name}`")))
        };
        Task::new(
            field("id")?,
            field("source")?,
            field("entry_point")?,
            field("tests")?,
        )
    }

    /// The user message.
    pub fn user_message(&self) -> String {
        format!(
            "Complete the following Python function. Reply with only the complete function in a ```python code block.\n\n```python\n{}```",
            self.prompt
        )
    }

    /// The chat text the model is given (SmolLM2's template, default system
    /// message, generation prompt added, no BOS).
    pub fn chat_text(&self) -> String {
        format!(
            "<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n",
            self.user_message()
        )
    }

    /// The program a reply stands for: its code block as a whole module
    /// (with the prompt's imports) when it defines the entry function, else
    /// the prompt followed by the block as the body.
    pub fn program(&self, reply: &str) -> String {
        let block = code_block(reply);
        if block.contains(&format!("def {}(", self.entry_point)) {
            let imports: String = self.prompt_imports().map(|l| format!("{l}\n")).collect();
            format!("{imports}\n\n{block}")
        } else {
            format!("{}{block}", self.prompt)
        }
    }

    /// The program as it is shown to a reader, and how many of the
    /// prompt's import lines the judged [`program`](Self::program) holds
    /// twice. A constrained reply starts with the whole prompt, imports
    /// included, and the protocol prepends them again; shown, each line
    /// appears once. The verdicts stay those of `program` (a repeated
    /// import changes nothing CPython, mypy or the tests say).
    pub fn shown_program(&self, reply: &str) -> (String, usize) {
        let block = code_block(reply);
        let whole = block.contains(&format!("def {}(", self.entry_point));
        let repeated = self
            .prompt_imports()
            .filter(|import| block.lines().any(|l| l == *import))
            .count();
        if whole && repeated > 0 && repeated == self.prompt_imports().count() {
            (block, repeated)
        } else {
            (self.program(reply), 0)
        }
    }

    /// The prompt's column-0 `import` and `from` lines.
    fn prompt_imports(&self) -> impl Iterator<Item = &str> {
        self.prompt
            .lines()
            .filter(|l| l.starts_with("import ") || l.starts_with("from "))
    }
}

/// The index just past the line break that ends the line holding `at`
/// (the text's end if there is none).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The first fenced block tagged python/py/python3 (any case), else the
/// first fenced block, else the whole reply: its lines up to the next line
/// starting with three backticks, or to the end.
pub fn code_block(reply: &str) -> String {
    let lines: Vec<&str> = reply.split_inclusive('\n').collect();
    let fence = |l: &str| l.starts_with("```");
    let tagged = lines.iter().position(|l| {
        l.strip_prefix("```").is_some_and(|tag| {
            matches!(
                tag.trim().to_ascii_lowercase().as_str(),
                "python" | "py" | "python3"
            )
        })
    });
    let Some(open) = tagged.or_else(|| lines.iter().position(|l| fence(l))) else {
        return reply.to_owned();
    };
    lines[open + 1..]
        .iter()
        .take_while(|l| !fence(l))
        .copied()
        .collect()
}

/// Whether decoding should stop: the reply holds an opening fence line and,
/// after it, a line starting with three backticks.
pub fn fence_closed(reply: &str) -> bool {
    let mut lines = reply.split('\n');
    let opened = lines.by_ref().position(|l| l.starts_with("```"));
    // The closing line counts once it starts with the backticks, even if
    // the line is not finished.
    opened.is_some() && lines.any(|l| l.starts_with("```"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "import math\nfrom typing import List\n\ndef f(xs: List[int]) -> int:\n    import heapq\n    \"\"\"\n    Sum them.\n    \"\"\"\n    return sum(xs)\n";

    #[test]
    fn the_prompt_ends_with_the_docstring_line() {
        let task = Task::new("t", SOURCE, "f", "def check(c): pass").unwrap();
        assert!(task.prompt.ends_with("    Sum them.\n    \"\"\"\n"));
        assert!(!task.prompt.contains("return"));
        assert_eq!(
            task.header,
            "import math\nfrom typing import List\n\ndef f(xs: List[int]) -> int:\n"
        );
        assert!(
            task.chat_text()
                .ends_with("```<|im_end|>\n<|im_start|>assistant\n")
        );
        assert!(Task::new("t", SOURCE, "g", "").is_err());
        assert!(Task::new("t", "def f() -> int:\n    return 1\n", "f", "").is_err());
    }

    #[test]
    fn extraction_follows_the_protocol() {
        let task = Task::new("t", SOURCE, "f", "").unwrap();
        let whole = "Sure:\n```python\ndef f(xs: List[int]) -> int:\n    return 0\n```\nDone.";
        assert_eq!(
            task.program(whole),
            "import math\nfrom typing import List\n\n\ndef f(xs: List[int]) -> int:\n    return 0\n"
        );
        let (shown, repeated) = task.shown_program(whole);
        assert_eq!(
            (shown, repeated),
            (task.program(whole), 0),
            "nothing repeated"
        );
        let constrained = format!("```python\n{}    return 0\n```", task.prompt);
        let (shown, repeated) = task.shown_program(&constrained);
        assert_eq!(repeated, 2);
        assert_eq!(shown, format!("{}    return 0\n", task.prompt));
        assert_eq!(task.program(&constrained).matches("import math").count(), 2);
        let body = "```\n    return 1\n";
        assert_eq!(task.program(body), format!("{}    return 1\n", task.prompt));
        assert_eq!(code_block("```js\nx\n```\n```py\ny\n```"), "y\n");
        assert_eq!(code_block("no fence"), "no fence");
        assert!(fence_closed("```python\nx\n```"));
        assert!(!fence_closed("```python\nx\n"));
        assert!(!fence_closed("text ``` x"));
    }
}
