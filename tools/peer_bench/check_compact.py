"""Check griffin_compact.py against tools/reference/griffin_torch.py on a small random model.

For each density: the experts chosen per layer and the greedy tokens of
(a) the reference (weights sliced per token, float64 scores on the CPU),
(b) the compact module in the eager variant (DynamicCache), and
(c) optionally the compact module in the compile variant (StaticCache + torch.compile),
must agree. fp32 on the CPU by default. Prints 'N passed, N failed'; exit 1 on a failure.

    python3 tools/peer_bench/check_compact.py [--compile] [--densities 1,0.75,0.5,0.25]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import griffin_compact as gm  # noqa: E402
import griffin_torch as ref  # noqa: E402
import hf_griffin_bench as hb  # noqa: E402


def reference_run(model, density: float, prompt: list[int], n: int):
    """Greedy ids and experts from the reference implementation (on a copy of the model)."""
    m = copy.deepcopy(model)
    ref.griffinize(m, density=density, method="topk", mode="gen")
    ids, _ = ref.greedy(m, prompt, n)
    return ids, ref.experts(m)


def compact_run(model, density: float, prompt: list[int], n: int, variant: str, args):
    """Greedy ids and experts from the compact module, eager or compiled."""
    device = torch.device(args.device)
    gm.install(model, density)
    try:
        holder = {"cache": hb.new_cache(model, variant, len(prompt) + n + 1)}
        step = hb.make_step(model, holder)
        compiled = variant == "compile"
        if compiled:
            torch._dynamo.reset()
            step = hb.compile_step(step, args)
        p = torch.tensor([prompt], device=device)
        clock, sel = hb.Clock(device), gm.SelectionClock(device)
        out = hb.generate(model, step, p, holder["cache"], n - 1, clock, sel, compiled)
        if compiled:  # a second prompt through the same compiled step: buffers re-gathered
            hb.fresh_cache(holder, model, variant, len(prompt) + n + 1)
            out = hb.generate(model, step, p, holder["cache"], n - 1, clock, sel, compiled)
        return out["tokens"], gm.experts(model)
    finally:
        gm.uninstall(model)


def main(argv=None) -> int:
    """Run the comparisons and print the tally."""
    p = argparse.ArgumentParser()
    p.add_argument("--densities", default="1,0.75,0.5,0.25")
    p.add_argument("--compile", action="store_true", help="also check the compile variant")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="fp32", choices=sorted(hb.DTYPES))
    p.add_argument("--prompt-tokens", type=int, default=64)
    p.add_argument("--new-tokens", type=int, default=24)
    p.add_argument("--compile-mode", default="reduce-overhead")
    p.add_argument("--no-fullgraph", dest="fullgraph", action="store_false")
    args = p.parse_args(argv)
    device = torch.device(args.device)
    model = hb.build_model("tiny", device, hb.DTYPES[args.dtype], "sdpa")
    gen = torch.Generator().manual_seed(7)
    prompt = torch.randint(0, hb.SHAPES["tiny"]["vocab"], (args.prompt_tokens,), generator=gen).tolist()
    passed = failed = 0
    variants = ["eager"] + (["compile"] if args.compile else [])
    for density in [float(d) for d in args.densities.split(",")]:
        want_ids, want_experts = reference_run(model, density, prompt, args.new_tokens)
        for variant in variants:
            got_ids, got_experts = compact_run(model, density, prompt, args.new_tokens, variant, args)
            for what, ok in (("experts", got_experts == want_experts), ("greedy ids", got_ids == want_ids)):
                passed += ok
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} density {density} {variant}: {what}", flush=True)
                if not ok and what == "greedy ids":
                    print(f"     want {want_ids}\n     got  {got_ids}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
