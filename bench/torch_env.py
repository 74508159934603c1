"""PyTorch at its best before it is compared with svertka, and a record of what it ran on.

Debian's python3-torch calls BLAS through the libblas.so.3 alternative. On a fresh machine that is
the reference (netlib) BLAS, which makes PyTorch's fully connected layers crawl (bvlc AlexNet
training, batch 32, 2 threads: 5 images/s instead of 26 with OpenBLAS), so every ratio against it
would be inflated. `ensure_fast_blas()` installs Debian's pthread OpenBLAS, which takes the
alternative, and `torch_blas()` checks, in a fresh process, which library torch really loaded.

Used by bench/compare_pytorch.py, bench/compare_data_pipeline.py, tools/golden.py and
tools/onnx_golden.py. Run alone, it prints what it finds:  /usr/bin/python3 bench/torch_env.py
"""
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST_BLAS_PACKAGE = "libopenblas0-pthread"
REFERENCE_BLAS_DIR = "/blas/"  # Debian's netlib BLAS: /usr/lib/<triplet>/blas/libblas.so.3

# Run in a fresh interpreter: a matrix product makes torch open its BLAS, a channels_last
# convolution makes it open oneDNN, which prints its ISA when DNNL_VERBOSE is set.
_PROBE = r"""
import json, torch
a = torch.randn(64, 64)
(a @ a).sum()
x = torch.randn(4, 64, 28, 28).contiguous(memory_format=torch.channels_last)
conv = torch.nn.Conv2d(64, 64, 3).to(memory_format=torch.channels_last)
with torch.no_grad():
    conv(x)
libs = sorted({line.split()[-1] for line in open("/proc/self/maps")
               if "blas" in line.rsplit("/", 1)[-1] or "lapack" in line.rsplit("/", 1)[-1]})
print("PROBE " + json.dumps({"libs": libs, "torch": torch.__version__}))
"""


def ensure_fast_blas():
    """Installs the optimised BLAS if it is missing (through scripts/install-deps.sh, apt)."""
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", FAST_BLAS_PACKAGE],
                            capture_output=True, text=True).stdout
    if status != "install ok installed":
        subprocess.run([os.path.join(REPO, "scripts", "install-deps.sh"), FAST_BLAS_PACKAGE],
                       check=True)


def torch_blas(python=sys.executable):
    """What a fresh torch process uses: {"blas": path, "reference": bool, "isa": str, ...}."""
    env = dict(os.environ, DNNL_VERBOSE="1", OMP_NUM_THREADS="1")
    run = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"torch_env: probing torch with {python} failed:\n{run.stderr}")
    info = {}
    for line in run.stdout.splitlines():
        if line.startswith("PROBE "):
            info.update(json.loads(line[len("PROBE "):]))
        elif line.startswith("onednn_verbose,info,cpu,isa:"):
            info["isa"] = line.split("isa:", 1)[1].strip()
    blas = next((lib for lib in info.get("libs", []) if "blas" in lib.rsplit("/", 1)[-1]), None)
    info["blas"] = os.path.realpath(blas) if blas else "none loaded"
    info["reference"] = blas is not None and REFERENCE_BLAS_DIR in info["blas"]
    info.setdefault("isa", "unknown (oneDNN printed no ISA)")
    return info


def prepare(python=sys.executable, allow_reference=False, quiet=False):
    """ensure_fast_blas + torch_blas; exits when torch still uses the reference BLAS (unless
    allowed). Prints one line saying which BLAS and which oneDNN ISA PyTorch uses."""
    ensure_fast_blas()
    info = torch_blas(python)
    line = (f"PyTorch {info.get('torch', '?')}: BLAS {info['blas']}"
            f"{' (the reference BLAS: slow)' if info['reference'] else ''}; oneDNN ISA {info['isa']}")
    if not quiet:
        print(line, flush=True)
    if info["reference"] and not allow_reference:
        sys.exit("torch_env: PyTorch still loads the reference BLAS, so its fully connected layers "
                 "would crawl and every ratio be inflated. Select OpenBLAS with `update-alternatives "
                 "--config libblas.so.3-x86_64-linux-gnu`, or pass --allow-reference-blas.")
    info["line"] = line
    return info


if __name__ == "__main__":
    prepare(allow_reference="--allow-reference-blas" in sys.argv)
