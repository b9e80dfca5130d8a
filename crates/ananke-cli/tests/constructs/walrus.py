import re


def digits(s: str) -> str:
    if (m := re.search(r"\d+", s)) is not None:
        return m.group(0)
    return ""
