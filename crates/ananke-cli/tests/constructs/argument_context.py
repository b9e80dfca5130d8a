# Arguments read in the context of their parameter: a keyword's, a literal
# display's and list(...)'s (mypy solves the constructor from the context).
def write_report(serious: bool, messages_by_file: dict[str | None, list[str]]) -> None:
    pass


def merge_options(options: list[list[int] | None], *, eager: bool) -> int:
    return len(options)


def fail_with(msg: str) -> None:
    write_report(True, messages_by_file={None: [msg]})
    write_report(serious=True, messages_by_file={None: [msg]})
    merged = [[1]]
    merge_options(list(merged), eager=True)
