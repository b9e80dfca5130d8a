//! [`Settings`]: what a style policy asks for — its text, its defaults
//! and the meet of two policies.
//!
//! Apart from the reader: the settings are the plugin's interface (what a
//! spec writes), the reader is its per-byte work.

/// The defaults, used when the policy text is empty.
pub const DEFAULTS: &str = "snake_case; max_line=120";

/// The settings (⊤: neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Settings {
    /// Names must be snake_case.
    pub snake_case: bool,
    /// Characters per line, if limited.
    pub max_line: Option<u32>,
}

impl Settings {
    /// No rule.
    pub const NONE: Settings = Settings {
        snake_case: false,
        max_line: None,
    };

    /// Parses a policy text: settings separated by `;`, the empty text
    /// meaning [`DEFAULTS`].
    pub(crate) fn parse(text: &str) -> Result<Settings, String> {
        let text = if text.trim().is_empty() {
            DEFAULTS
        } else {
            text
        };
        let mut settings = Settings::NONE;
        for item in text.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                None if item == "snake_case" => settings.snake_case = true,
                Some(("snake_case", "on")) => settings.snake_case = true,
                Some(("snake_case", "off")) => settings.snake_case = false,
                Some(("max_line", n)) => {
                    let n: u32 = n
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("`{item}`: expected a positive number"))?;
                    settings.max_line = Some(n);
                }
                _ => {
                    return Err(format!(
                        "`{item}`: expected `snake_case`, `snake_case=off` or `max_line=N`"
                    ));
                }
            }
        }
        Ok(settings)
    }

    /// The stricter of each setting.
    pub(crate) fn meet(self, other: Settings) -> Settings {
        Settings {
            snake_case: self.snake_case || other.snake_case,
            max_line: match (self.max_line, other.max_line) {
                (Some(m), Some(n)) => Some(m.min(n)),
                (m, n) => m.or(n),
            },
        }
    }
}
