"""Add a license file to built wheels' ``*.dist-info/licenses/`` (in place).

    python tools/add_wheel_license.py LICENSE_FILE WHEEL_OR_DIR... [--if-bundled GLOB]

For each wheel: writes ``<name>.dist-info/licenses/<basename of LICENSE_FILE>``,
adds ``License-File: <basename>`` to METADATA (Metadata 2.4 / PEP 639) and
rewrites RECORD with the new file and METADATA's new hash. With
``--if-bundled GLOB`` a wheel is left alone unless one of its members matches
GLOB (fnmatch), e.g. ``"*.libs/libgomp*"`` so the GCC Runtime Library
Exception only goes into wheels that really ship libgomp.

Standard library only, so it runs anywhere a wheel is repaired (the
cibuildwheel containers included). tools/build_wheel.sh uses it and then
re-reads the wheel with ``wheel unpack``, which checks every RECORD hash.
"""
import argparse
import base64
import csv
import fnmatch
import hashlib
import io
import os
import sys
import tempfile
import zipfile


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _add_license_file_field(metadata, name):
    text = metadata.decode("utf-8")
    head, sep, body = text.partition("\n\n")
    lines = head.split("\n")
    field = f"License-File: {name}"
    if field in lines:
        return metadata
    idx = max(i for i, line in enumerate(lines)
              if line.startswith(("License-File:", "Version:")))
    lines.insert(idx + 1, field)
    return ("\n".join(lines) + sep + body).encode("utf-8")


def add_license(wheel_path, license_path, if_bundled=None):
    """Return a one-line message saying what was done to wheel_path."""
    name = os.path.basename(license_path)
    with open(license_path, "rb") as f:
        license_data = f.read()

    with zipfile.ZipFile(wheel_path) as zin:
        infos = zin.infolist()
        names = [i.filename for i in infos]
        if if_bundled and not any(fnmatch.fnmatch(n, if_bundled) for n in names):
            return f"{os.path.basename(wheel_path)}: nothing matches {if_bundled!r}, left alone"
        distinfo = {n.split("/", 1)[0] for n in names
                    if n.split("/", 1)[0].endswith(".dist-info")}
        if len(distinfo) != 1:
            raise SystemExit(f"{wheel_path}: expected one .dist-info dir, got {distinfo}")
        distinfo = distinfo.pop()
        target = f"{distinfo}/licenses/{name}"
        if target in names:
            return f"{os.path.basename(wheel_path)}: already has {target}"
        record_name = f"{distinfo}/RECORD"
        metadata_name = f"{distinfo}/METADATA"
        contents = {i.filename: zin.read(i) for i in infos}

    contents[metadata_name] = _add_license_file_field(contents[metadata_name], name)
    contents[target] = license_data

    template = next(i for i in infos if i.filename == metadata_name)
    new_info = zipfile.ZipInfo(target, date_time=template.date_time)
    new_info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
    new_info.compress_type = zipfile.ZIP_DEFLATED

    order = [i for i in infos if i.filename != record_name]
    order.append(new_info)
    record_info = next(i for i in infos if i.filename == record_name)

    rows = []
    for info in order:
        if info.filename.endswith("/"):
            continue
        data = contents[info.filename]
        rows.append((info.filename, _record_hash(data), str(len(data))))
    rows.append((record_name, "", ""))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    contents[record_name] = buf.getvalue().encode("utf-8")

    fd, tmp = tempfile.mkstemp(suffix=".whl", dir=os.path.dirname(os.path.abspath(wheel_path)))
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
            for info in order + [record_info]:
                if info.filename.endswith("/"):
                    zout.writestr(info, b"")
                else:
                    zout.writestr(info, contents[info.filename],
                                  compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, wheel_path)
    except BaseException:
        os.unlink(tmp)
        raise
    return f"{os.path.basename(wheel_path)}: added {target}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("license", help="license text file to add")
    ap.add_argument("wheels", nargs="+", help="wheel files or directories holding them")
    ap.add_argument("--if-bundled", metavar="GLOB",
                    help="only touch wheels with a member matching GLOB")
    args = ap.parse_args(argv)

    wheels = []
    for p in args.wheels:
        if os.path.isdir(p):
            wheels += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".whl"))
        else:
            wheels.append(p)
    if not wheels:
        raise SystemExit("no wheels given")
    for w in wheels:
        print(add_license(w, args.license, args.if_bundled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
