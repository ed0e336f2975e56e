"""Peer benchmark: Hugging Face transformers running GRIFFIN (our PyTorch implementation of
the shared GRIFFIN.md, tools/peer_bench/griffin_compact.py), in two variants:

- eager:   DynamicCache, plain forwards, one Python call per generated token;
- compile: StaticCache, the one-token decode step under torch.compile (CUDA graphs with the
           default mode "reduce-overhead"); the prompt forward stays eager.

For each model shape (random bf16 weights made on the device, no download) and density, it
times a prompt forward (incl. GRIFFIN's selection), the selection alone, greedy decoding and
peak memory, after an untimed warm-up run (which for `compile` includes the compilation).

    python3 tools/peer_bench/hf_griffin_bench.py --out results.json
    python3 tools/peer_bench/hf_griffin_bench.py --shapes tiny --device cpu --out /tmp/t.json
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import griffin_compact as gm  # noqa: E402

SHAPES = {
    "llama2-7b": dict(hidden=4096, ff=11008, layers=32, heads=32, kv_heads=32, vocab=32000),
    "llama2-13b": dict(hidden=5120, ff=13824, layers=40, heads=40, kv_heads=40, vocab=32000),
    "mistral-7b": dict(hidden=4096, ff=14336, layers=32, heads=32, kv_heads=8, vocab=32000),
    "tiny": dict(hidden=64, ff=172, layers=4, heads=8, kv_heads=4, vocab=512),
}

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


# ---------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------


def no_init_context():
    """transformers' context that skips weight initialisation, or a no-op if absent."""
    for path in ("transformers.initialization", "transformers.modeling_utils"):
        try:
            module = __import__(path, fromlist=["no_init_weights"])
            return module.no_init_weights()
        except (ImportError, AttributeError):
            continue
    return contextlib.nullcontext()


def build_model(shape: str, device: torch.device, dtype: torch.dtype, attn: str, seed: int = 0):
    """A LlamaForCausalLM of the named shape with random weights, built on the device.

    Weights are allocated uninitialised (transformers' no_init_weights), then filled in
    place: matrices ~ N(0, 0.02), norm weights 1."""
    from transformers import LlamaConfig, LlamaForCausalLM

    s = SHAPES[shape]
    config = LlamaConfig(hidden_size=s["hidden"], intermediate_size=s["ff"],
                         num_hidden_layers=s["layers"], num_attention_heads=s["heads"],
                         num_key_value_heads=s["kv_heads"], vocab_size=s["vocab"],
                         max_position_embeddings=4096, tie_word_embeddings=False,
                         rms_norm_eps=1e-5)
    with torch.device(device), no_init_context():
        model = LlamaForCausalLM._from_config(config, dtype=dtype, attn_implementation=attn)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02, generator=gen)
            else:
                p.fill_(1.0)
    return model.eval()


# ---------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------


class Clock:
    """Marks on the device's timeline: CUDA events on a GPU, the wall clock on a CPU."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def mark(self):
        """A point in time (recorded on the current stream on CUDA)."""
        if self.cuda:
            ev = torch.cuda.Event(enable_timing=True)
            ev.record()
            return ev
        return time.perf_counter()

    def sync(self):
        """Wait for the device."""
        if self.cuda:
            torch.cuda.synchronize()

    def ms(self, a, b) -> float:
        """Milliseconds from mark a to mark b (after sync)."""
        if self.cuda:
            return float(a.elapsed_time(b))
        return float((b - a) * 1000.0)


def reset_peak(device: torch.device):
    """Restart the peak-memory counter (CUDA only)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def peak_bytes(device: torch.device):
    """torch.cuda.max_memory_allocated, or None on a CPU."""
    return int(torch.cuda.max_memory_allocated()) if device.type == "cuda" else None


def free_memory(device: torch.device):
    """Collect garbage and return cached blocks to the device."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


# ---------------------------------------------------------------------------------------
# One generation
# ---------------------------------------------------------------------------------------


def make_step(model, holder: dict):
    """The one-token decode step: (token [1,1], position [1,1]) -> next greedy token [1,1].

    The KV cache is holder["cache"] (a dict, so eager runs can start a fresh one)."""

    def step(tok: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        out = model(input_ids=tok, position_ids=pos, past_key_values=holder["cache"],
                    use_cache=True)
        return torch.argmax(out.logits[:, -1, :], dim=-1, keepdim=True)

    return step


def prompt_forward(model, prompt: torch.Tensor, cache) -> torch.Tensor:
    """The prompt phase (eager): full FF, GRIFFIN selection; returns the first new token.

    Only the last position's logits are computed (logits_to_keep=1), as generate() does."""
    pos = torch.arange(prompt.shape[1], device=prompt.device).unsqueeze(0)
    out = model(input_ids=prompt, position_ids=pos, past_key_values=cache, use_cache=True,
                logits_to_keep=1)
    return torch.argmax(out.logits[:, -1, :], dim=-1, keepdim=True)


def generate(model, step, prompt, cache, n_steps: int, clock: Clock, sel_clock,
             compiled: bool, first_step_wall: list | None = None) -> dict:
    """Prompt forward then n_steps greedy decode steps, timed.

    Returns prompt_ms, selection_ms, step_ms (one per decode step), decode_total_ms, tokens.
    If first_step_wall is a list, the wall seconds of the first decode step are appended."""
    gm.reset(model)
    sel_clock.clear()
    s = prompt.shape[1]
    positions = torch.arange(s, s + n_steps, device=prompt.device).view(n_steps, 1, 1)
    with torch.no_grad():
        clock.sync()
        t0 = clock.mark()
        tok = prompt_forward(model, prompt, cache)
        t1 = clock.mark()
        marks = [t1]
        tokens = [tok]
        for i in range(n_steps):
            if compiled:
                torch.compiler.cudagraph_mark_step_begin()
            w0 = time.perf_counter()
            tok = step(tok, positions[i]).clone()
            if first_step_wall is not None and i == 0:
                clock.sync()
                first_step_wall.append(time.perf_counter() - w0)
            marks.append(clock.mark())
            tokens.append(tok)
        clock.sync()
    step_ms = [clock.ms(a, b) for a, b in zip(marks[:-1], marks[1:])]
    return dict(prompt_ms=clock.ms(t0, t1), selection_ms=sel_clock.total_ms(),
                step_ms=step_ms, decode_total_ms=clock.ms(marks[0], marks[-1]),
                tokens=[int(t) for t in torch.cat(tokens, dim=1)[0].cpu()])


# ---------------------------------------------------------------------------------------
# One (shape, variant, density) row
# ---------------------------------------------------------------------------------------


def new_cache(model, variant: str, max_len: int):
    """DynamicCache for eager, StaticCache (max_len positions) for compile."""
    from transformers import DynamicCache, StaticCache

    if variant == "eager":
        return DynamicCache(config=model.config)
    return StaticCache(config=model.config, max_cache_len=max_len)


def fresh_cache(holder: dict, model, variant: str, max_len: int):
    """Empty the KV cache for a new sequence: a new DynamicCache, or the StaticCache reset
    in place (its tensors keep their addresses, as CUDA graphs need)."""
    if variant == "eager":
        holder["cache"] = None
        holder["cache"] = new_cache(model, variant, max_len)
    else:
        holder["cache"].reset()


def compile_step(step, args):
    """torch.compile the decode step (fixed shapes)."""
    return torch.compile(step, mode=args.compile_mode, fullgraph=args.fullgraph, dynamic=False)


def run_row(model, shape: str, variant: str, density: float, args, device) -> dict:
    """One row. A compile failure with fullgraph=True is retried once with fullgraph=False
    (the row then says fullgraph false and keeps the first error in fullgraph_error)."""
    row = measure(model, shape, variant, density, args, device, args.fullgraph)
    if row["error"] and variant == "compile" and args.fullgraph:
        first = row
        row = measure(model, shape, variant, density, args, device, False)
        row["fullgraph_error"] = first["error"]
        row["fullgraph_traceback"] = first.get("traceback")
    return row


def empty_row(shape: str, variant: str, density: float, args) -> dict:
    """A row with every figure unset."""
    d_ff = SHAPES[shape]["ff"]
    return dict(shape=shape, variant=variant, density=density, prompt_tokens=args.prompt_tokens,
                new_tokens=args.new_tokens, prompt_ms=None, selection_ms=None,
                decode_ms_per_token=None, decode_ms_median=None, tokens_per_second=None,
                peak_memory_bytes=None, compile_s=None, warmup_s=None, error=None,
                experts_per_layer=gm.num_experts(d_ff, density) if density < 1 else d_ff)


def measure(model, shape: str, variant: str, density: float, args, device,
            fullgraph: bool) -> dict:
    """Warm-up run, then args.repeats timed runs; medians of their figures. Never raises:
    a failure is the row's error (and traceback)."""
    row = empty_row(shape, variant, density, args)
    clock = Clock(device)
    sel_clock = gm.SelectionClock(device)
    gen = torch.Generator(device="cpu")
    gen.manual_seed(1234)
    vocab = SHAPES[shape]["vocab"]

    def prompt():
        return torch.randint(0, vocab, (1, args.prompt_tokens), generator=gen).to(device)

    compiled = variant == "compile"
    free_memory(device)
    if compiled:
        torch._dynamo.reset()
    try:
        gm.install(model, density, sel_clock)
        max_len = args.prompt_tokens + max(args.new_tokens, args.warmup_tokens) + 1
        holder = {"cache": new_cache(model, variant, max_len)}
        step = make_step(model, holder)
        if compiled:
            step = torch.compile(step, mode=args.compile_mode, fullgraph=fullgraph, dynamic=False)
            row.update(compile_mode=args.compile_mode, fullgraph=fullgraph)
        first_wall: list = []
        w0 = time.perf_counter()
        warm = generate(model, step, prompt(), holder["cache"], args.warmup_tokens, clock,
                        sel_clock, compiled, first_wall)
        row["warmup_s"] = round(time.perf_counter() - w0, 3)
        if compiled:
            row["compile_s"] = round(first_wall[0], 3)
        row["warmup_first_tokens"] = warm["tokens"][:8]
        runs = []
        for _ in range(args.repeats):
            fresh_cache(holder, model, variant, max_len)
            reset_peak(device)
            runs.append(generate(model, step, prompt(), holder["cache"], args.new_tokens, clock,
                                 sel_clock, compiled))
            peak = peak_bytes(device)
            if peak is not None:
                row["peak_memory_bytes"] = max(row["peak_memory_bytes"] or 0, peak)
        fill_figures(row, runs, density)
    except Exception as exc:  # one failing row must not stop the benchmark
        row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        row["traceback"] = traceback.format_exc()[-4000:]
    finally:
        gm.uninstall(model)
        if compiled:
            torch._dynamo.reset()
        free_memory(device)
    return row


def fill_figures(row: dict, runs: list[dict], density: float):
    """Median over repeats of each figure; decode_ms_per_token = total decode time / steps."""
    med = statistics.median
    row["prompt_ms"] = round(med(r["prompt_ms"] for r in runs), 4)
    row["selection_ms"] = round(med(r["selection_ms"] for r in runs), 4) if density < 1 else 0.0
    per_token = med(r["decode_total_ms"] / len(r["step_ms"]) for r in runs)
    row["decode_ms_per_token"] = round(per_token, 4)
    row["decode_ms_median"] = round(med(med(r["step_ms"]) for r in runs), 4)
    row["tokens_per_second"] = round(1000.0 / per_token, 3)
    row["first_tokens"] = runs[-1]["tokens"][:8]
    row["all_tokens_hash"] = hash_tokens(runs[-1]["tokens"])


def hash_tokens(tokens: list[int]) -> str:
    """A short digest of a token list (to compare variants' greedy outputs)."""
    import hashlib

    return hashlib.sha256(",".join(map(str, tokens)).encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------


def meta(args, device) -> dict:
    """Versions, device and settings."""
    import transformers

    m = dict(script="tools/peer_bench/hf_griffin_bench.py", date=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             torch=torch.__version__, transformers=transformers.__version__,
             python=platform.python_version(), device=str(device), dtype=args.dtype,
             attn_implementation=args.attn, compile_mode=args.compile_mode,
             fullgraph=args.fullgraph, fx_graph_cache=args.compile_cache, repeats=args.repeats, warmup_tokens=args.warmup_tokens,
             argv=sys.argv[1:], builds={},
             notes=("prompt_ms: eager prompt forward incl. GRIFFIN selection (logits of the last "
                    "position only); selection_ms: scores + stable top-k + gathering W_gate[E], "
                    "W_up[E], W_down[:,E] into fixed buffers, summed over layers; "
                    "decode_ms_per_token: total time of new_tokens one-token decode steps / "
                    "new_tokens (decode_ms_median: median step); compile_s: wall seconds of the "
                    "first compiled decode step (tracing + Inductor); warmup_s: whole warm-up run; "
                    "figures are medians over repeats"))
    m.update(device_facts(device))
    return m


def device_facts(device) -> dict:
    """The GPU's name and CUDA version, or the CPU's name (for a result's meta)."""
    if device.type == "cuda":
        return dict(gpu=torch.cuda.get_device_name(device), cuda=torch.version.cuda)
    return dict(gpu=None, cpu=platform.processor() or platform.machine())


def set_fx_graph_cache(on: bool):
    """Turn Inductor's on-disk FX graph cache on or off (if this torch has the switch)."""
    try:
        import torch._inductor.config as inductor_config

        inductor_config.fx_graph_cache = on
    except (ImportError, AttributeError):
        pass


def parse_args(argv=None):
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="llama2-7b,llama2-13b,mistral-7b")
    p.add_argument("--densities", default="1,0.75,0.5,0.25")
    p.add_argument("--variants", default="eager,compile")
    p.add_argument("--prompt-tokens", type=int, default=512)
    p.add_argument("--new-tokens", type=int, default=128)
    p.add_argument("--warmup-tokens", type=int, default=16,
                   help="decode steps of the untimed warm-up run (>= 3 for CUDA graphs)")
    p.add_argument("--repeats", type=int, default=1, help="timed runs per row (medians)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
    p.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    p.add_argument("--compile-mode", default="reduce-overhead")
    p.add_argument("--no-fullgraph", dest="fullgraph", action="store_false")
    p.add_argument("--compile-cache", action="store_true",
                   help="keep Inductor's FX graph cache on (default off, so compile_s is a cold compile)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    p.add_argument("--out", default="hf_griffin_bench.json")
    args = p.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    args.densities = [float(d) for d in args.densities.split(",") if d]
    args.variants = [v for v in args.variants.split(",") if v]
    for s in args.shapes:
        if s not in SHAPES:
            p.error(f"unknown shape {s!r} (known: {', '.join(SHAPES)})")
    for v in args.variants:
        if v not in ("eager", "compile"):
            p.error(f"unknown variant {v!r}")
    for d in args.densities:
        if not 0.0 <= d <= 1.0:
            p.error(f"density {d} outside [0, 1]")
    return args


def write(path: str, result: dict):
    """Write the JSON (after every row, so a crash keeps what was measured)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, path)


def table(rows: list[dict]) -> str:
    """A short text table; speedup is against density 1 of the same shape and variant."""
    base = {(r["shape"], r["variant"]): r["decode_ms_per_token"] for r in rows
            if r["density"] >= 1 and r.get("decode_ms_per_token")}
    head = (f"{'shape':<11} {'variant':<8} {'dens':>5} {'prompt ms':>10} {'sel ms':>8} "
            f"{'ms/tok':>8} {'med':>8} {'tok/s':>8} {'speedup':>7} {'peak GiB':>9} {'compile s':>9}")
    lines = [head, "-" * len(head)]
    for r in rows:
        if r.get("error"):
            lines.append(f"{r['shape']:<11} {r['variant']:<8} {r['density']:>5} ERROR {r['error'][:80]}")
            continue
        b = base.get((r["shape"], r["variant"]))
        speed = f"{b / r['decode_ms_per_token']:.2f}x" if b else "-"
        peak = f"{r['peak_memory_bytes'] / 2**30:.2f}" if r["peak_memory_bytes"] else "-"
        comp = f"{r['compile_s']:.1f}" if r["compile_s"] is not None else "-"
        lines.append(f"{r['shape']:<11} {r['variant']:<8} {r['density']:>5} {r['prompt_ms']:>10.2f} "
                     f"{r['selection_ms']:>8.2f} {r['decode_ms_per_token']:>8.3f} "
                     f"{r['decode_ms_median']:>8.3f} {r['tokens_per_second']:>8.1f} {speed:>7} "
                     f"{peak:>9} {comp:>9}")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run every (shape, variant, density), write the JSON, print the table."""
    args = parse_args(argv)
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.compile_cache:
        set_fx_graph_cache(False)
    result = dict(meta=meta(args, device), rows=[])
    for shape in args.shapes:
        t0 = time.perf_counter()
        try:
            model = build_model(shape, device, DTYPES[args.dtype], args.attn)
        except Exception as exc:
            err = f"build failed: {type(exc).__name__}: {exc}"
            for v in args.variants:
                for d in args.densities:
                    result["rows"].append({**empty_row(shape, v, d, args), "error": err})
            write(args.out, result)
            free_memory(device)
            continue
        result["meta"]["builds"][shape] = round(time.perf_counter() - t0, 3)
        print(f"[{shape}] built in {result['meta']['builds'][shape]:.1f} s", flush=True)
        for variant in args.variants:
            for density in args.densities:
                row = run_row(model, shape, variant, density, args, device)
                result["rows"].append(row)
                write(args.out, result)
                status = row["error"] or (f"prompt {row['prompt_ms']:.2f} ms, "
                                          f"{row['decode_ms_per_token']:.3f} ms/token")
                print(f"[{shape} {variant} {density}] {status}", flush=True)
        del model
        free_memory(device)
    write(args.out, result)
    print()
    print(table(result["rows"]))
    return 0 if all(not r.get("error") for r in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
