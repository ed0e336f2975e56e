"""Reference outputs of stories260K (full model and GRIFFIN) with PyTorch + transformers.

Writes testdata/stories260K/reference.json (see tools/reference/README.md for the schema).

    python3 tools/reference/make_stories260k_reference.py \
        [--model DIR] [--out FILE] [--device cuda|cpu]

Defaults: the model from ../shared/data/models/stories260K/hf, the output in testdata/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import griffin_torch as gt  # noqa: E402
from common import REPO, SHARED_DATA, sha256_file, utc_now, write_json  # noqa: E402

SCRIPT = "tools/reference/make_stories260k_reference.py"
BOS = 1
N_NEW = 40
GEN_DENSITIES = [1.0, 0.75, 0.5, 0.25, 0.0]
CLASS_DENSITIES = [1.0, 0.5, 0.25]
GEN_SCORE_DENSITIES = [1.0, 0.5]
SCHEDULE = [1.0, 0.75, 0.5, 0.25, 0.0]
SAMPLED = [("sample", 0.5), ("topk_sample", 0.5), ("random", 0.5),
           ("sample", 0.25), ("topk_sample", 0.25), ("random", 0.25)]
KNOWN_OUTPUT = ("Once upon a time, there was a little girl named Lily. She loved to play outside"
                " in the park.")

SHORT_PROMPT = [1, 403, 407, 261, 378]  # "Once upon a time"
PROMPT_40 = ("One day, a little boy named Tom went to the park with his mom. He saw a big tree"
             " and wanted to climb it. His mom said,")
PROMPT_100 = ("Once upon a time, in a big forest, there lived a rhinoceros named Roxy. Roxy loved"
              " to climb. She climbed trees, rocks, and hills. One day, Roxy found an icy hill."
              " She had never seen anything like it before.")
PAIRS = [
    ("Once upon a time, there was a little girl named Lily. She loved to play outside in the",
     " park."),
    ("Tom had a red ball. He liked to throw it to his dog. One day, the ball went over the"
     " fence and Tom felt", " sad."),
    ("The sun was shining and the birds were singing. Sam and his sister went to the",
     " beach to build a big sand castle."),
    ("Tom had a red ball. He liked to throw it to his dog. One day, the ball went over the"
     " fence and Tom felt", " happy"),
]


def parse_args():
    """Command-line arguments."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(SHARED_DATA / "models" / "stories260K" / "hf"))
    p.add_argument("--out", default=str(REPO / "testdata" / "stories260K" / "reference.json"))
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return p.parse_args()


def load(model_dir: str, device: str):
    """The model (fp32, eager attention) and its tokenizer."""
    from tokenizers import Tokenizer
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float32,
                                             attn_implementation="eager")
    model.to(device).eval()
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    return model, tok


def encode(tok, text: str) -> list[int]:
    """Token ids of text without special tokens."""
    return tok.encode(text, add_special_tokens=False).ids


def split_pair(tok, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """lm-evaluation-harness split: BOS + enc(context), enc(whole)[len(enc(context)):]."""
    ctx = encode(tok, context)
    whole = encode(tok, context + continuation)
    assert whole[:len(ctx)] == ctx, "context tokens change when the continuation is added"
    return [BOS] + ctx, whole[len(ctx):]


def floats(t: torch.Tensor) -> list[float]:
    """A float tensor as a list of Python floats."""
    return [float(v) for v in t.detach().cpu().reshape(-1)]


@torch.no_grad()
def plain_logits(model, ids: list[int]) -> list[list[float]]:
    """transformers' logits at every position (no GRIFFIN, no cache)."""
    device = next(model.parameters()).device
    out = model(input_ids=torch.tensor([ids], device=device), use_cache=False)
    return [floats(row) for row in out.logits[0].float()]


def margins(model) -> list[float | None]:
    """Per layer: s_(k) - s_(k+1), the gap at the top-k boundary (None when not defined)."""
    res = []
    for b in gt.blocks(model):
        if b.scores is None or b.experts is None:
            res.append(None)
            continue
        k = len(b.experts)
        s = torch.sort(b.scores, descending=True).values
        res.append(float(s[k - 1] - s[k]) if 0 < k < s.numel() else None)
    return res


def selection(model, density: float) -> dict:
    """experts, scores and margins of the last sequence (None at density 1)."""
    if density >= 1.0:
        return {"experts": None, "scores": None, "selection_margin": None}
    return {"experts": gt.experts(model), "scores": gt.scores(model),
            "selection_margin": margins(model)}


def gen_case(model, tok, prompt: list[int], density, method: str) -> dict:
    """Greedy generation in mode gen at one density (or schedule) and method."""
    gt.configure(model, density=density, method=method, mode="gen", seed=0)
    new_ids, last = gt.greedy(model, prompt, N_NEW)
    key = "density" if isinstance(density, float) else "densities"
    case = {"prompt_ids": prompt, key: density, "method": method, "mode": "gen"}
    case.update(selection(model, density if isinstance(density, float) else 0.0))
    case.update({"greedy_ids": new_ids, "greedy_text": tok.decode(new_ids),
                 "last_prompt_logits": floats(last)})
    return case


def score_case(model, ctx: list[int], cont: list[int], density: float, method: str,
               mode: str) -> dict:
    """Log-likelihood of a continuation in mode class or gen."""
    gt.configure(model, density=density, method=method, mode=mode, seed=0)
    fn = gt.score_class if mode == "class" else gt.score_gen
    logprobs, is_greedy = fn(model, ctx, cont)
    case = {"context_ids": ctx, "continuation_ids": cont, "density": density,
            "method": method, "mode": mode}
    case.update(selection(model, density))
    case.update({"logprobs": logprobs, "loglikelihood": gt.loglikelihood(logprobs),
                 "greedy": is_greedy})
    return case


def sampled_case(model, prompt: list[int], method: str, density: float) -> dict:
    """Sampled selection: only the number of experts kept per layer (our RNG is ours)."""
    gt.configure(model, density=density, method=method, mode="gen", seed=0)
    gt.greedy(model, prompt, 1)
    first = gt.experts(model)
    gt.greedy(model, prompt, 1)
    assert gt.experts(model) == first, "same seed must give the same experts"
    k = gt.num_experts(gt.blocks(model)[0].d_ff, density)
    return {"prompt_ids": prompt, "density": density, "method": method, "mode": "gen",
            "seed": 0, "k": k, "k_kept": [len(e) for e in first]}


def check_known_output(tok, case: dict):
    """The full model's greedy text from "Once upon a time" must match the fixture README."""
    text = tok.decode(SHORT_PROMPT[1:] + case["greedy_ids"])
    print("greedy:", text)
    assert text.startswith(KNOWN_OUTPUT), f"unexpected greedy output: {text!r}"


def check_consistency(model, ref: dict):
    """Cross-checks between cases that must agree."""
    full_last = torch.tensor(ref["full_logits"][0]["logits"][-1])
    for c in ref["gen_cases"]:
        if c["prompt_ids"] == SHORT_PROMPT:
            got = torch.tensor(c["last_prompt_logits"])
            assert torch.allclose(got, full_last, atol=1e-4), "prompt phase must be the full model"
        if c["experts"] is not None and c["method"] == "topk":
            k = gt.num_experts(172, c["density"])
            assert all(len(e) == k for e in c["experts"])
    by_key = {}
    for c in ref["class_cases"] + ref["gen_score_cases"]:
        if c["density"] == 1.0:
            by_key.setdefault(tuple(c["context_ids"] + [-1] + c["continuation_ids"]), []).append(c)
    for cases in by_key.values():
        lls = [c["loglikelihood"] for c in cases]
        assert max(lls) - min(lls) < 1e-3, f"density 1 class/gen disagree: {lls}"


def build(model, tok, model_dir: str, device: str) -> dict:
    """All reference cases."""
    import transformers

    p40 = [BOS] + encode(tok, PROMPT_40)
    p100 = [BOS] + encode(tok, PROMPT_100)
    prompts = [SHORT_PROMPT, p40, p100]
    pairs = [split_pair(tok, c, x) for c, x in PAIRS]
    ref = {"meta": {
        "script": SCRIPT, "date": utc_now(), "torch": torch.__version__,
        "transformers": transformers.__version__, "device": device_name(device),
        "dtype": "float32", "attn_implementation": "eager",
        "model_safetensors_sha256": sha256_file(Path(model_dir) / "model.safetensors"),
        "notes": ("scores: float64 from fp32 z (row L2-normalise over d_ff, column L2 norm over"
                  " positions); topk ties: lower index; k = int(d_ff*density); logprobs:"
                  " log_softmax in float64 of fp32 logits; floats rounded to 7 significant"
                  " digits; selection_margin: s_(k) - s_(k+1) per layer"),
        "n_new": N_NEW}}
    ref["full_logits"] = [{"prompt_ids": p, "logits": plain_logits(model, p)}
                          for p in (SHORT_PROMPT, p40)]
    gt.griffinize(model, density=1.0)
    ref["meta"]["d_ff"] = gt.blocks(model)[0].d_ff
    ref["gen_cases"] = [gen_case(model, tok, p, d, "topk") for p in prompts for d in GEN_DENSITIES]
    ref["gen_cases"] += [gen_case(model, tok, p, 0.5, "magnitude") for p in prompts]
    check_known_output(tok, ref["gen_cases"][0])
    ref["schedule_cases"] = [gen_case(model, tok, p, SCHEDULE, "topk") for p in prompts[1:]]
    ref["class_cases"] = [score_case(model, c, x, d, "topk", "class")
                          for c, x in pairs for d in CLASS_DENSITIES]
    ref["class_cases"] += [score_case(model, c, x, 0.5, "magnitude", "class") for c, x in pairs]
    ref["gen_score_cases"] = [score_case(model, c, x, d, "topk", "gen")
                              for c, x in pairs for d in GEN_SCORE_DENSITIES]
    ref["sampled_cases"] = [sampled_case(model, p40, m, d) for m, d in SAMPLED]
    check_consistency(model, ref)
    return ref


def device_name(device: str) -> str:
    """A readable name of the device used."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(0)
    return "cpu"


def main():
    """Build and write the reference file."""
    args = parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    torch.manual_seed(0)
    model, tok = load(args.model, args.device)
    ref = build(model, tok, args.model, args.device)
    write_json(ref, args.out)
    print(f"wrote {args.out}: {Path(args.out).stat().st_size} bytes")


if __name__ == "__main__":
    main()
