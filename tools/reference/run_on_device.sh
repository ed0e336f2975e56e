#!/usr/bin/env bash
# Make all reference files on the GPU machine (see tools/reference/README.md).
# Expects the fixtures in .fixtures/ (carried) and writes everything under $OUT.
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/reference_out}
mkdir -p "$OUT"
F=.fixtures
{
  nvidia-smi -L
  python3 -c "import torch, transformers, tokenizers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__, 'cuda', torch.cuda.is_available())"
  echo "== stories260K reference"
  python3 tools/reference/make_stories260k_reference.py --model $F/stories260K \
    --out "$OUT/reference.json" --device cuda
  echo "rc=$?"
  echo "== independent check (hooks, CPU)"
  python3 tools/reference/check_reference.py --model $F/stories260K --ref "$OUT/reference.json"
  echo "rc=$?"
  echo "== tokenizer ids"
  python3 tools/reference/make_tokenizer_ids.py --llama2 $F/llama2/tokenizer.json \
    --stories $F/stories260K/tokenizer.json --xsum $F/xsum10.jsonl \
    --tinystories $F/tinystories20.txt --out "$OUT/expected_ids.json"
  echo "rc=$?"
} 2>&1 | grep -v "^Loading weights" | tee "$OUT/log.txt"
