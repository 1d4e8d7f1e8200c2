"""Zips a wheel by hand (PEP 427): no setuptools, wheel or build module needed, and none is
reachable offline. Called by scripts/build-wheel.sh with the gateway's publish folder.

Layout once installed (site-packages/):
  robyn/                     the package apps import (`from robyn import Robyn`)
  robyn_gateway/__init__.py  where the bundled gateway is (robyn.launcher looks here)
  robyn_gateway/bin/         the self-contained publish: RobynGateway (the executable), its dlls
  robyn_gateway-V.dist-info/ METADATA, WHEEL, entry_points.txt (the `robyn` script), RECORD
"""

import argparse
import base64
import hashlib
import os
import stat
import sys
import zipfile

NAME = "robyn_gateway"
SUMMARY = "Robyn's Python API served by RobynGateway (ASP.NET Core Kestrel, embedded CPython); no .NET runtime needed"
INIT = '''"""The gateway bundled by the robyn-gateway wheel: a self-contained .NET publish in bin/."""

import os

BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin")
EXECUTABLE = os.path.join(BIN, "RobynGateway")
'''


def digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--publish", required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    dist_info = f"{NAME}-{args.version}.dist-info"
    wheel_path = os.path.join(args.out, f"{NAME}-{args.version}-py3-none-{args.tag}.whl")
    record = []

    with zipfile.ZipFile(wheel_path + ".tmp", "w", compression=zipfile.ZIP_DEFLATED) as wheel:

        def add(arcname: str, data: bytes, mode: int = 0o644) -> None:
            info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | mode) << 16  # pip keeps the executable bit
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
            record.append(f"{arcname},{digest(data)},{len(data)}")

        def add_tree(root: str, prefix: str) -> None:
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    mode = 0o755 if os.stat(path).st_mode & stat.S_IXUSR else 0o644
                    with open(path, "rb") as f:
                        add(prefix + os.path.relpath(path, root).replace(os.sep, "/"), f.read(), mode)

        add_tree(args.package, "robyn/")
        add(f"{NAME}/__init__.py", INIT.encode())
        add_tree(args.publish, f"{NAME}/bin/")
        add(f"{dist_info}/METADATA", (
            "Metadata-Version: 2.1\n"
            f"Name: robyn-gateway\nVersion: {args.version}\nSummary: {SUMMARY}\n"
            "License: MIT\nRequires-Python: >=3.11\n"
        ).encode())
        add(f"{dist_info}/WHEEL", (
            f"Wheel-Version: 1.0\nGenerator: robyn-gateway build_wheel.py\nRoot-Is-Purelib: false\nTag: py3-none-{args.tag}\n"
        ).encode())
        add(f"{dist_info}/entry_points.txt", b"[console_scripts]\nrobyn = robyn.cli:main\n")
        add(f"{dist_info}/top_level.txt", f"robyn\n{NAME}\n".encode())
        record.append(f"{dist_info}/RECORD,,")
        wheel.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2026, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")

    os.replace(wheel_path + ".tmp", wheel_path)
    print(wheel_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
