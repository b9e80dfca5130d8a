import sys

if sys.version_info >= (3, 11):
    import tomllib as toml_reader
else:
    toml_reader = None

if sys.platform == "win32":
    SEP = "\\"
else:
    SEP = "/"


def sep() -> str:
    return SEP
