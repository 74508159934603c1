"""A PEP 517 build backend of the standard library alone, so that `pip install .` works offline:
it builds the extension with the project's CMake (target svertka_python) and packs the package
directory CMake lays out (BUILD/python/svertka) into a wheel.

The build directory is $SVERTKA_BUILD_DIR, else build/ (the one `make` uses, so after `make` only
the module is left to build). The module is built for the interpreter the environment was made
from (a venv's base interpreter: Debian's python3, whose numpy and pybind11 CMake finds).
"""
import base64
import hashlib
import os
import subprocess
import sys
import sysconfig
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME, VERSION = "svertka", "0.1"


def _build_dir():
    return os.path.abspath(os.environ.get("SVERTKA_BUILD_DIR", os.path.join(ROOT, "build")))


def _package_dir():
    """Configures and builds the module; returns BUILD/python/svertka."""
    build = _build_dir()
    python = getattr(sys, "_base_executable", None) or sys.executable
    configure = ["cmake", "-S", ROOT, "-B", build, "-DSVERTKA_PYTHON=ON",
                 "-DPython3_EXECUTABLE=" + python]
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        configure += ["-DCMAKE_BUILD_TYPE=Release", "-DSVERTKA_BUILD_TESTS=OFF",
                      "-DSVERTKA_BUILD_BENCH=OFF"]
    # pip's isolated build environment hides the system's site-packages through PYTHONPATH and
    # friends; CMake's probes of the interpreter (numpy's headers) must see them.
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONEXECUTABLE")}
    subprocess.run(configure, check=True, stdout=sys.stderr, env=env)
    jobs = str(os.cpu_count() or 1)
    subprocess.run(["cmake", "--build", build, "-j", jobs, "--target", "svertka_python"],
                   check=True, stdout=sys.stderr, env=env)
    return os.path.join(build, "python", NAME)


def _tag():
    version = "cp%d%d" % sys.version_info[:2]
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (version, version, platform)


def _metadata():
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
            "Summary: AlexNet, VGG and GoogLeNet on oneDNN, from Python with numpy\n"
            "Requires-Python: >=3.9\nRequires-Dist: numpy\n" % (NAME, VERSION))


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (name, digest, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, "%s-%s.dist-info" % (NAME, VERSION))
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(_metadata())
    return os.path.basename(info)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    package = _package_dir()
    tag = _tag()
    wheel = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    info = "%s-%s.dist-info" % (NAME, VERSION)
    files = {}
    for name in sorted(os.listdir(package)):
        if name.endswith((".py", ".pyi", ".so")) or name == "py.typed":
            with open(os.path.join(package, name), "rb") as f:
                files["%s/%s" % (NAME, name)] = f.read()
    files[info + "/METADATA"] = _metadata().encode()
    files[info + "/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: svertka build_backend\n"
                              "Root-Is-Purelib: false\nTag: %s\n" % tag).encode()
    record = "".join(_record_line(name, data) for name, data in files.items())
    record += info + "/RECORD,,\n"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr(info + "/RECORD", record)
    return wheel
