#!/bin/sh
# Installs torch (and any companion packages such as torchaudio) built for one
# accelerator, before the studio's own packages, so pip never swaps the build:
#   install-torch.sh ACCELERATOR PACKAGE==VERSION...
# ACCELERATOR: cpu | cuda | rocm | none ("none": no torch, lite backends only).
# The wheel index follows the accelerator: TORCH_CUDA (default cu128) and TORCH_ROCM (default
# rocm6.4) name the build flavour, which must be one PyTorch publishes for that torch version;
# TORCH_INDEX_URL overrides the index altogether.
# Writes /tmp/torch-constraints.txt (or $TORCH_CONSTRAINTS) pinning exactly what it
# installed; the Dockerfiles pass it to the next `pip install` with -c.
set -eu

accelerator="${1:-}"
[ "$#" -gt 0 ] && shift
constraints="${TORCH_CONSTRAINTS:-/tmp/torch-constraints.txt}"
: > "$constraints"

case "$accelerator" in
  none) echo "install-torch: no torch (lite backends only)"; exit 0 ;;
  cpu) index="https://download.pytorch.org/whl/cpu" ;;
  # CUDA wheels bundle the CUDA runtime; the host needs only the NVIDIA driver
  # and the NVIDIA container toolkit.
  cuda) index="https://download.pytorch.org/whl/${TORCH_CUDA:-cu128}" ;;
  # ROCm wheels bundle HIP; the host needs the amdgpu driver and /dev/kfd, /dev/dri.
  rocm) index="https://download.pytorch.org/whl/${TORCH_ROCM:-rocm6.4}" ;;
  *) echo "install-torch: ACCELERATOR must be cpu, cuda, rocm or none (got '$accelerator')" >&2; exit 2 ;;
esac
index="${TORCH_INDEX_URL:-$index}"

if [ "$#" -eq 0 ]; then
  echo "install-torch: name at least one package, e.g. torch==2.13.0" >&2
  exit 2
fi
# Only the accelerator index: it also hosts torch's dependencies, and mixing in
# PyPI could let pip pick a build for another accelerator.
pip install --index-url "$index" "$@"
for requirement in "$@"; do
  echo "$requirement" >> "$constraints"
done
python -c "import torch; print('install-torch: torch', torch.__version__, 'cuda', torch.version.cuda, 'hip', torch.version.hip)"
