# Implicit concatenation of string literals with prefixes, across lines
# inside brackets (jinja2's lexer patterns): after a string, a word may be
# the prefix of the next literal.
import re

pattern = re.compile(
    r"('([^'\\]*(?:\\.[^'\\]*)*)'" r'|"([^"\\]*(?:\\.[^"\\]*)*)")', re.S
)
joined = "a" f"{1}" "c" R"d" u"e"
raw = b"x" rb"y" Br"z"
print(pattern, joined, raw)
