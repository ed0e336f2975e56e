"""Peer benchmark for class-mode scoring (issue #16): Hugging Face transformers scoring
multiple-choice requests the way lm-evaluation-harness does (batched log-likelihoods).

For each model shape (random bf16 weights made on the device, no download; built by
hf_griffin_bench.build_model) and request length, it makes --tokens worth of requests of that
many input tokens (the ids of bench/eval_speed.ts's classRequests: a context and a 4-token
continuation, input = context + continuation[:-1]), pads each batch to its longest request
(right padding, attention mask), runs the model forward and sums the continuation's
log-likelihood (log_softmax at the positions predicting each continuation token) and its greedy
flag per request. One untimed warm-up batch; the timed pass covers every request.
tokens/s = input tokens of all requests / seconds. Density 1 only: the full model (this peer
has no GRIFFIN in class mode).

    python3 tools/peer_bench/hf_class_score.py --out hf_class_score.json
    python3 tools/peer_bench/hf_class_score.py --shapes tiny --device cpu --out /tmp/c.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_griffin_bench as hgb  # noqa: E402  (build_model, SHAPES, DTYPES, Clock, write)

CONTINUATION_TOKENS = 4
PAD_ID = 0


# ---------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------


def class_request(index: int, length: int, vocab: int) -> tuple[list[int], list[int]]:
    """(context ids, continuation ids) of request `index` of `length` input tokens: the ids of
    bench/eval_speed.ts's classRequests (3 + (i * 7919 + j * 104729) mod (vocab - 3))."""
    ids = [3 + (index * 7919 + j * 104729) % (vocab - 3) for j in range(length + 1)]
    cut = length + 1 - CONTINUATION_TOKENS
    return ids[:cut], ids[cut:]


def class_requests(count: int, length: int, vocab: int) -> list[tuple[list[int], list[int]]]:
    """`count` requests of `length` input tokens."""
    return [class_request(i, length, vocab) for i in range(count)]


def batches(requests: list, batch_size: int) -> list[list]:
    """lm-evaluation-harness's order: longest input first (stable), then chunks of batch_size."""
    order = sorted(requests, key=lambda r: -(len(r[0]) + len(r[1]) - 1))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def batch_tensors(batch: list, device: torch.device) -> dict:
    """Right-padded inputs of one batch and where each continuation is scored.

    input_ids, attention_mask: [B, S]; positions, targets, valid: [B, C] (C = longest
    continuation): position p of row b holds the logits that predict targets[b, c]."""
    inputs = [ctx + cont[:-1] for ctx, cont in batch]
    width = max(len(x) for x in inputs)
    c_max = max(len(cont) for _, cont in batch)
    ids, mask, positions, targets, valid = [], [], [], [], []
    for x, (_, cont) in zip(inputs, batch):
        pad = width - len(x)
        ids.append(x + [PAD_ID] * pad)
        mask.append([1] * len(x) + [0] * pad)
        first = len(x) - len(cont)  # the last context token predicts cont[0]
        extra = c_max - len(cont)
        positions.append([first + c for c in range(len(cont))] + [0] * extra)
        targets.append(list(cont) + [0] * extra)
        valid.append([True] * len(cont) + [False] * extra)

    def tensor(rows, dtype):
        return torch.tensor(rows, dtype=dtype).to(device)

    return dict(input_ids=tensor(ids, torch.long), attention_mask=tensor(mask, torch.long),
                positions=tensor(positions, torch.long), targets=tensor(targets, torch.long),
                valid=tensor(valid, torch.bool), tokens=sum(len(x) for x in inputs))


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------


def continuation_logits(model, t: dict, logits_mode: str) -> torch.Tensor:
    """Logits at the continuation positions: [B, C, V].

    "all": the model's logits at every position (lm-evaluation-harness's model call), then
    those positions picked; "continuation": the final hidden states at those positions only
    through lm_head."""
    if logits_mode == "all":
        logits = model(input_ids=t["input_ids"], attention_mask=t["attention_mask"],
                       use_cache=False).logits  # [B, S, V]
        index = t["positions"].unsqueeze(-1).expand(-1, -1, logits.shape[-1])
        return logits.gather(1, index)
    hidden = model.model(input_ids=t["input_ids"], attention_mask=t["attention_mask"],
                         use_cache=False).last_hidden_state  # [B, S, H]
    index = t["positions"].unsqueeze(-1).expand(-1, -1, hidden.shape[-1])
    return model.lm_head(hidden.gather(1, index))


def score_batch(model, batch: list, device: torch.device, logits_mode: str) -> tuple[list, int]:
    """[(log-likelihood, greedy)] per request of the batch, and its input tokens."""
    t = batch_tensors(batch, device)
    logp = torch.log_softmax(continuation_logits(model, t, logits_mode).float(), dim=-1)
    picked = logp.gather(-1, t["targets"].unsqueeze(-1)).squeeze(-1)  # [B, C]
    loglik = picked.masked_fill(~t["valid"], 0.0).sum(dim=1)  # [B]
    greedy = ((logp.argmax(dim=-1) == t["targets"]) | ~t["valid"]).all(dim=1)  # [B]
    both = torch.stack([loglik, greedy.float()], dim=1).cpu().tolist()
    return [(ll, g > 0.5) for ll, g in both], t["tokens"]


def finite(x):
    """x when it is a finite float, else None (JSON has no NaN)."""
    return x if isinstance(x, float) and math.isfinite(x) else None


# ---------------------------------------------------------------------------------------
# One (shape, request tokens, batch size) row
# ---------------------------------------------------------------------------------------


def empty_row(shape: str, length: int, batch_size: int, args) -> dict:
    """A row with every figure unset."""
    return dict(shape=shape, request_tokens=length, batch_size=batch_size, density=1.0,
                continuation_tokens=CONTINUATION_TOKENS, logits=args.logits,
                requests=math.ceil(args.tokens / length), input_tokens=None, seconds=None,
                tokens_per_second=None, loglikelihood_sum=None, greedy_count=None,
                first_loglikelihood=None, peak_memory_bytes=None, warmup_s=None, error=None)


def measure(model, shape: str, length: int, batch_size: int, args, device) -> dict:
    """Warm-up batch, then every batch timed. Never raises: a failure is the row's error."""
    row = empty_row(shape, length, batch_size, args)
    clock = hgb.Clock(device)
    hgb.free_memory(device)
    try:
        requests = class_requests(row["requests"], length, hgb.SHAPES[shape]["vocab"])
        chunks = batches(requests, batch_size)
        with torch.inference_mode():
            w0 = time.perf_counter()
            score_batch(model, chunks[0], device, args.logits)
            clock.sync()
            row["warmup_s"] = round(time.perf_counter() - w0, 3)
            hgb.reset_peak(device)
            results, tokens = [], 0
            clock.sync()
            start = clock.mark()
            for chunk in chunks:
                scored, n = score_batch(model, chunk, device, args.logits)
                results.extend(scored)
                tokens += n
            end = clock.mark()
            clock.sync()
        seconds = clock.ms(start, end) / 1000.0
        row.update(input_tokens=tokens, seconds=round(seconds, 6),
                   tokens_per_second=round(tokens / seconds, 3),
                   loglikelihood_sum=finite(float(sum(ll for ll, _ in results))),
                   greedy_count=sum(1 for _, g in results if g),
                   first_loglikelihood=finite(float(results[0][0])),
                   peak_memory_bytes=hgb.peak_bytes(device))
    except Exception as exc:  # one failing row must not stop the benchmark
        row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        row["traceback"] = traceback.format_exc()[-4000:]
    finally:
        hgb.free_memory(device)
    return row


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------


def meta(args, device) -> dict:
    """Versions, device and settings."""
    import transformers

    m = dict(script="tools/peer_bench/hf_class_score.py",
             date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), torch=torch.__version__,
             transformers=transformers.__version__, python=platform.python_version(),
             device=str(device), dtype=args.dtype, batch_size=args.batch_size,
             attn_implementation=args.attn, logits=args.logits, tokens=args.tokens,
             lengths=args.lengths, continuation_tokens=CONTINUATION_TOKENS, density=1.0,
             griffin=("not run: density 1 only (the full model); this peer has no GRIFFIN in "
                      "class mode, so density < 1 rows of ours compare to this full model"),
             argv=sys.argv[1:], builds={},
             notes=("requests as bench/eval_speed.ts's classRequests; batches longest first, "
                    "right-padded with an attention mask; torch.inference_mode; log_softmax "
                    "(float32) at the positions predicting each continuation token; "
                    "log-likelihood sum and greedy flag per request, copied to the host once "
                    "per batch; one untimed warm-up batch; seconds from CUDA events around all "
                    "batches (building the inputs included); tokens_per_second = input tokens / "
                    "seconds; logits 'all': logits at every position as lm-evaluation-harness "
                    "computes them, 'continuation': lm_head at the continuation positions only"))
    m.update(hgb.device_facts(device))
    return m


def parse_args(argv=None):
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="llama2-7b")
    p.add_argument("--lengths", default="64,160,400", help="input tokens per request")
    p.add_argument("--batch-size", default="32", help="requests per forward (a list: 16,32)")
    p.add_argument("--tokens", type=int, default=16384, help="input tokens per row")
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="bf16", choices=sorted(hgb.DTYPES))
    p.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    p.add_argument("--logits", default="all", choices=["all", "continuation"])
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    p.add_argument("--out", default="hf_class_score.json")
    args = p.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    try:
        args.lengths = [int(n) for n in args.lengths.split(",") if n]
        args.batch_sizes = [int(n) for n in args.batch_size.split(",") if n]
    except ValueError as exc:
        p.error(f"--lengths and --batch-size take whole numbers: {exc}")
    args.batch_size = args.batch_sizes[0] if len(args.batch_sizes) == 1 else args.batch_sizes
    for s in args.shapes:
        if s not in hgb.SHAPES:
            p.error(f"unknown shape {s!r} (known: {', '.join(hgb.SHAPES)})")
    for n in args.lengths:
        if n < CONTINUATION_TOKENS:
            p.error(f"request length {n} is shorter than the {CONTINUATION_TOKENS}-token "
                    "continuation")
    if not args.batch_sizes or min(args.batch_sizes) < 1 or args.tokens < 1:
        p.error("--batch-size and --tokens must be positive")
    return args


def table(rows: list[dict]) -> str:
    """A short text table."""
    head = (f"{'shape':<11} {'tokens':>6} {'batch':>5} {'requests':>8} {'seconds':>9} "
            f"{'tokens/s':>10} {'greedy':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        key = f"{r['shape']:<11} {r['request_tokens']:>6} {r['batch_size']:>5}"
        if r.get("error"):
            lines.append(f"{key} ERROR {r['error'][:80]}")
            continue
        lines.append(f"{key} {r['requests']:>8} {r['seconds']:>9.3f} "
                     f"{r['tokens_per_second']:>10.0f} {r['greedy_count']:>6}")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run every (shape, length, batch size), write the JSON, print the table."""
    args = parse_args(argv)
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    result = dict(meta=meta(args, device), rows=[])
    for shape in args.shapes:
        t0 = time.perf_counter()
        try:
            model = hgb.build_model(shape, device, hgb.DTYPES[args.dtype], args.attn)
        except Exception as exc:
            err = f"build failed: {type(exc).__name__}: {exc}"[:2000]
            for n in args.lengths:
                for b in args.batch_sizes:
                    result["rows"].append({**empty_row(shape, n, b, args), "error": err})
            hgb.write(args.out, result)
            hgb.free_memory(device)
            continue
        result["meta"]["builds"][shape] = round(time.perf_counter() - t0, 3)
        print(f"[{shape}] built in {result['meta']['builds'][shape]:.1f} s", flush=True)
        for n in args.lengths:
            for b in args.batch_sizes:
                row = measure(model, shape, n, b, args, device)
                result["rows"].append(row)
                hgb.write(args.out, result)
                status = row["error"] or (f"{row['tokens_per_second']:.0f} tokens/s "
                                          f"({row['requests']} requests, {row['seconds']:.3f} s)")
                print(f"[{shape} {n} tokens, batch {b}] {status}", flush=True)
        del model
        hgb.free_memory(device)
    hgb.write(args.out, result)
    print()
    print(table(result["rows"]))
    return 0 if all(not r.get("error") for r in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
