# Extracts libz3 and its C headers from the z3-solver wheel and checks the
# wheel's hash. argv: wheel path, wheel sha256, output directory.
# Layout written: OUT/lib/libz3.so.<soversion>, OUT/lib/libz3.so (a link to
# it, what the linker asks for), OUT/include/*.h.
import hashlib, os, shutil, sys, zipfile

wheel, wheel_sha, out = sys.argv[1:4]
h = hashlib.sha256()
with open(wheel, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
if h.hexdigest() != wheel_sha:
    sys.exit(f"{wheel}: sha256 {h.hexdigest()}, expected {wheel_sha}")
partial = out + ".partial"
shutil.rmtree(partial, ignore_errors=True)
os.makedirs(os.path.join(partial, "lib"))
os.makedirs(os.path.join(partial, "include"))
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    libs = [n for n in names if n.startswith("z3/lib/libz3.so.")]
    if len(libs) != 1:
        sys.exit(f"{wheel}: expected one versioned z3/lib/libz3.so.*, found {libs}")
    lib = os.path.basename(libs[0])
    with z.open(libs[0]) as src, open(os.path.join(partial, "lib", lib), "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    os.symlink(lib, os.path.join(partial, "lib", "libz3.so"))
    for n in names:
        if n.startswith("z3/include/") and n.endswith(".h"):
            with z.open(n) as src, open(os.path.join(partial, "include", os.path.basename(n)), "wb") as dst:
                shutil.copyfileobj(src, dst)
shutil.rmtree(out, ignore_errors=True)
os.replace(partial, out)
