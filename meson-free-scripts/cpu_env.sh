# shellcheck shell=bash
# Sourced by the scripts. Debian's OpenBLAS 0.3.21 does not recognise some newer x86 CPUs and
# falls back to its SSE3 "Prescott" kernels; naming the core type selects the AVX ones (2.3x
# faster transformer steps measured on this project's AVX-512 build machine). A value already in
# the environment wins.
if [[ -z "${OPENBLAS_CORETYPE:-}" && -r /proc/cpuinfo ]]; then
  if grep -qw avx512f /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=Haswell
  fi
fi
