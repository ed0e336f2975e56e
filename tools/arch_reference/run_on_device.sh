#!/usr/bin/env bash
# Makes every tiny architecture folder and its reference outputs on the GPU machine
# (see tools/arch_reference/README.md); everything lands in $OUT/arch.tgz, the log in $OUT/log.txt.
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/arch_reference_out}
WORK=/tmp/arch
mkdir -p "$OUT"
rm -rf "$WORK"
{
  nvidia-smi -L
  python3 -c "import torch, transformers, tokenizers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__, 'cuda', torch.cuda.is_available())"
  python3 tools/arch_reference/make_arch_references.py --out "$WORK" "$@"
  echo "rc=$?"
} 2>&1 | tr "\r" "\n" | grep -v "^Loading weights\|^Writing model shards\|^$" | tee "$OUT/log.txt"
tar czf "$OUT/arch.tgz" -C "$WORK" .
