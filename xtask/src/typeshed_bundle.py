"""Bundles typeshed stdlib stubs from the mypy wheel (run by `cargo xtask typeshed`).

Arguments: wheel cache folder, mypy version, output file, comma-separated modules.
"""
import hashlib, os, sys, zipfile
cache, version, out, modules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
wheel = next(os.path.join(cache, f) for f in sorted(os.listdir(cache)) if f.startswith("mypy-" + version + "-") and f.endswith(".whl"))
digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
parts = [
    "# Typeshed stdlib stubs bundled for ananke-types. Generated; do not edit.\n",
    "# Source: " + os.path.basename(wheel) + " (sha256 " + digest + "), mypy/typeshed/stdlib/.\n",
    "# Regenerate with: cargo xtask typeshed\n",
    "# Typeshed is licensed under the Apache License 2.0 (and MIT for some files); see\n",
    "# mypy/typeshed/LICENSE in the wheel.\n",
]
for module in modules:
    base = "mypy/typeshed/stdlib/" + module.replace(".", "/")
    for path in (base + ".pyi", base + "/__init__.pyi"):
        if path in names:
            parts.append("### module: " + module + "\n")
            parts.append(z.read(path).decode("utf-8"))
            break
    else:
        sys.exit("no stub for module " + module)
open(out, "w", encoding="utf-8").write("".join(parts))
print("wrote", out, "from", os.path.basename(wheel))
