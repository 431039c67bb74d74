#!/bin/sh
# Installs torch (and any companion packages such as torchaudio) built for one
# accelerator, before the studio's own packages, so pip never swaps the build:
#   install-torch.sh ACCELERATOR PACKAGE==VERSION...
# ACCELERATOR: cpu | cuda | rocm | none ("none": no torch, lite backends only).
# TORCH_INDEX_URL overrides the wheel index picked for the accelerator.
# Writes /tmp/torch-constraints.txt pinning exactly what it installed; the
# Dockerfiles pass it to the next `pip install` with -c.
set -eu

accelerator="$1"
shift
: > /tmp/torch-constraints.txt

case "$accelerator" in
  none) echo "install-torch: no torch (lite backends only)"; exit 0 ;;
  cpu) index="https://download.pytorch.org/whl/cpu" ;;
  # CUDA wheels bundle the CUDA runtime; the host needs only the NVIDIA driver
  # and the NVIDIA container toolkit.
  cuda) index="https://download.pytorch.org/whl/cu128" ;;
  # ROCm wheels bundle HIP; the host needs the amdgpu driver and /dev/kfd, /dev/dri.
  rocm) index="https://download.pytorch.org/whl/rocm6.4" ;;
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
  echo "$requirement" >> /tmp/torch-constraints.txt
done
python -c "import torch; print('install-torch: torch', torch.__version__, 'cuda', torch.version.cuda, 'hip', torch.version.hip)"
