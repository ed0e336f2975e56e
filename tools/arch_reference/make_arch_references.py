"""Tiny random models of every supported architecture, with reference outputs.

For each architecture (Llama 2, ReLU-Llama 2, Llama 3, Mistral, Qwen2, Gemma, OPT, OPT-350m's
post-norm form) this builds a tiny random model from a config (2 layers, d_model 64, vocab
128), saves it as a Hugging Face folder (bf16 weights, config.json as the Hub's checkpoints
write it, a small tokenizer.json), loads it back in float32 and records:

- with transformers itself: the logits of a fixed prompt at every position;
- with GRIFFIN in PyTorch (tools/reference/griffin_torch.py, written from GRIFFIN.md): the
  experts per layer, their scores and the greedy tokens in mode gen at densities 1, 0.75, 0.5
  and 0 (and magnitude at 0.5, and a per-layer schedule); class-mode and gen-mode
  log-likelihoods of fixed (context, continuation) pairs.

Every decision the engine must reproduce exactly (an argmax, a top-k boundary) is checked to
have a margin; a model whose margins are too thin is rebuilt from the next seed.

    python3 tools/arch_reference/make_arch_references.py --out DIR [--device cuda|cpu]
        [--only NAME ...]

DIR receives NAME/ (the model folder) and NAME.json (the expected outputs) per architecture.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "reference"))
import griffin_torch as gt  # noqa: E402
from common import utc_now, write_json  # noqa: E402

SCRIPT = "tools/arch_reference/make_arch_references.py"
VOCAB = 128
N_NEW = 16
GEN_DENSITIES = [1.0, 0.75, 0.5, 0.0]
CLASS_DENSITIES = [1.0, 0.5, 0.0]
GEN_SCORE_DENSITIES = [0.5, 0.0]
SCHEDULE = [0.75, 0.25]
MIN_GREEDY_MARGIN = 2e-3  # logits: top-1 minus top-2
MIN_SELECTION_MARGIN = 1e-4  # scores: s_(k) minus s_(k+1)
SEED_TRIES = 20
# The first seed tried per architecture: where a search from 1000·(index + 1) on the CPU found
# safe margins; the search goes on from there if the margins on this machine are too thin.
FIRST_SEED = {"llama2": 1001, "relu-llama2": 2000, "llama3": 3000, "mistral": 4005,
              "qwen2": 5002, "gemma": 6001, "opt": 7008, "opt-350m": 8000,
              "mistral-window16": 4100}
# Architectures whose prompts are long: a 100-token prompt and contexts of 40 and 60 tokens, so
# that a sliding window of 16 is passed many times over in every mode.
LONG_PROMPTS = {"mistral-window16"}

COMMON = dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
              max_position_embeddings=128)
LLAMA = dict(COMMON, intermediate_size=128, num_key_value_heads=4, rms_norm_eps=1e-5,
             tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
ARCHITECTURES = {
    # name: (config class name, config fields, legacy config.json fields, note)
    "llama2": ("LlamaConfig", dict(LLAMA), {"rope_theta": 10000.0, "rope_scaling": None},
               "Llama 2: SiLU gated FF, RMSNorm, RoPE"),
    "relu-llama2": ("LlamaConfig", dict(LLAMA, hidden_act="relu"),
                    {"rope_theta": 10000.0, "rope_scaling": None},
                    "ReLU-Llama 2: Llama with hidden_act relu"),
    "llama3": ("LlamaConfig",
               dict(LLAMA, num_key_value_heads=2, tie_word_embeddings=True, rope_parameters={
                   "rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 64}),
               {"rope_theta": 500000.0, "rope_scaling": {
                   "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                   "high_freq_factor": 4.0, "original_max_position_embeddings": 64}},
               "Llama 3.2 style: grouped-query attention, tied embeddings, llama3 RoPE scaling"
               " (original_max_position_embeddings 64 puts all three frequency bands in use)"),
    "mistral": ("MistralConfig", dict(LLAMA, num_key_value_heads=2, sliding_window=8),
                {"rope_theta": 10000.0},
                "Mistral 7B v0.1 style: grouped-query attention, sliding_window 8 (prompts of"
                " 24 tokens and 16 generated ones run past it)"),
    "mistral-window16": ("MistralConfig", dict(LLAMA, num_key_value_heads=2, sliding_window=16),
                         {"rope_theta": 10000.0},
                         "Mistral with sliding_window 16 over a 100-token prompt, 16 generated"
                         " tokens and contexts of 40 and 60 tokens"),
    "qwen2": ("Qwen2Config", dict(LLAMA, num_key_value_heads=2, tie_word_embeddings=True,
                                  rms_norm_eps=1e-6, rope_parameters={
                                      "rope_type": "default", "rope_theta": 1000000.0},
                                  use_sliding_window=False, sliding_window=None),
              None, "Qwen2 / 2.5 style: q/k/v biases, grouped-query attention, tied embeddings;"
              " config.json as transformers 5 writes it (rope_parameters, layer_types)"),
    "gemma": ("GemmaConfig", dict(LLAMA, num_key_value_heads=1, head_dim=32,
                                  hidden_act="gelu_pytorch_tanh", tie_word_embeddings=True,
                                  rms_norm_eps=1e-6, pad_token_id=0),
              {"rope_theta": 10000.0},
              "Gemma 2B style: GELU-tanh gated FF, RMSNorm x·(1 + w), embeddings × √hidden,"
              " head_dim 32 ≠ hidden/heads, one KV head, tied embeddings, BOS first"),
    "opt": ("OPTConfig", dict(COMMON, ffn_dim=128, word_embed_proj_dim=64,
                              do_layer_norm_before=True, activation_function="relu",
                              bos_token_id=2, eos_token_id=2, pad_token_id=1),
            {}, "OPT-125m style: pre-norm LayerNorm with bias, learned positions (offset 2),"
            " attention and FF biases, plain ReLU FF (fc1, fc2)"),
    "opt-350m": ("OPTConfig", dict(COMMON, ffn_dim=128, word_embed_proj_dim=32,
                                   do_layer_norm_before=False, activation_function="relu",
                                   bos_token_id=2, eos_token_id=2, pad_token_id=1),
                 {}, "OPT-350m style: post-norm (no final norm), word_embed_proj_dim 32 ≠ hidden"
                 " 64 (project_in, project_out)"),
}

TOKENIZER_TEXT = (
    "Once upon a time there was a little model. It had two layers and a tiny vocabulary. "
    "Every day it read the same few sentences and learned nothing at all, because its weights "
    "were random. The experts of each layer were chosen from the prompt, and the rest slept. "
    "The quick brown fox jumps over the lazy dog; numbers such as 1, 2, 3 and 42 appear too."
)


def make_prompts(bos: int | None, long: bool = False) -> dict[str, list[int]]:
    """Fixed prompts and pairs of ids (BOS first where the architecture always adds it); long:
    a 100-token prompt and contexts of 40, 19 and 60 tokens."""
    rng = random.Random(20240401)
    ids = lambda n: [rng.randrange(3, VOCAB) for _ in range(n)]  # noqa: E731
    head = [bos] if bos is not None else []
    if long:
        return {"short": head + ids(10), "long": head + ids(100),
                "pairs": [(head + ids(40), ids(4)), (head + ids(19), ids(1)),
                          (head + ids(60), ids(6))]}
    return {"short": head + ids(10), "long": head + ids(23),
            "pairs": [(head + ids(9), ids(4)), (head + ids(19), ids(1)), (head + ids(13), ids(6))]}


def build_tokenizer(path: Path):
    """A small BPE tokenizer.json (specials <unk> 0, <s> 1, </s> 2; at most VOCAB tokens)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=["<unk>", "<s>", "</s>"],
                                  show_progress=False)
    tok.train_from_iterator([TOKENIZER_TEXT], trainer)
    assert tok.get_vocab_size() <= VOCAB
    tok.save(str(path))


def randomize(model: nn.Module, one_plus_norm: bool, seed: int):
    """Weights with signal: linears N(0, 1/fan_in), embeddings and LM head N(0, 1), positions
    std 0.5, biases std 0.1, norm weights 1 ± 0.1 (Gemma's w 0 ± 0.1)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if "norm" in name and not name.endswith("bias"):
                p.copy_(noise * 0.1 + (0.0 if one_plus_norm else 1.0))
            elif name.endswith("bias"):
                p.copy_(noise * 0.1)
            elif "embed_positions" in name:
                p.copy_(noise * 0.5)
            elif "embed_tokens" in name or "lm_head" in name:
                p.copy_(noise)
            else:
                p.copy_(noise / math.sqrt(p.shape[1]))


def save_folder(name: str, folder: Path, seed: int):
    """Builds the random model, writes the folder: bf16 safetensors, config.json, tokenizer."""
    import transformers

    cls_name, fields, legacy, _ = ARCHITECTURES[name]
    config = getattr(transformers, cls_name)(**fields)
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    randomize(model, cls_name == "GemmaConfig", seed)
    model = model.to(torch.bfloat16)
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(folder)
    (folder / "generation_config.json").unlink(missing_ok=True)
    if legacy is not None:  # config.json as the Hub's checkpoints have it
        path = folder / "config.json"
        data = json.loads(path.read_text())
        data.pop("rope_parameters", None)
        data.update(legacy)
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    build_tokenizer(folder / "tokenizer.json")


class FlatFF(nn.Module):
    """OPT's decoder layer runs fc1/fc2 on (tokens, hidden) rows: add the batch axis back."""

    def __init__(self, ff: gt.GriffinFF):
        super().__init__()
        self.ff = ff

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ff(x.unsqueeze(0)).squeeze(0)


def griffinize(model) -> None:
    """GriffinFF in every layer: the `mlp` of the Llama family, fc1/fc2 of OPT."""
    if model.config.model_type != "opt":
        gt.griffinize(model, density=1.0)
        return
    layers = gt.decoder_layers(model)
    config = gt.GriffinConfig(gt.as_densities(1.0, len(layers)))
    config.reseed()
    for i, layer in enumerate(layers):
        ff = gt.GriffinFF(None, layer.fc1, layer.fc2, layer.activation_fn, i, config)
        layer.fc1, layer.activation_fn, layer.fc2 = FlatFF(ff), nn.Identity(), nn.Identity()
    model.griffin_config = config


def load(folder: Path, device: str):
    """The saved folder in float32, eager attention."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                 attn_implementation="eager")
    return model.to(device).eval()


@torch.no_grad()
def plain_logits(model, ids: list[int]) -> torch.Tensor:
    """transformers' logits at every position (no cache)."""
    device = next(model.parameters()).device
    return model(input_ids=torch.tensor([ids], device=device), use_cache=False).logits[0].float()


def top_gap(row: torch.Tensor) -> float:
    """Top-1 minus top-2 of a logit row."""
    top = torch.topk(row.double(), 2).values
    return float(top[0] - top[1])


def selection_margin(model) -> float | None:
    """The smallest s_(k) − s_(k+1) over the layers that selected (None when none did)."""
    gaps = []
    for b in gt.blocks(model):
        if b.scores is None or b.experts is None:
            continue
        k = len(b.experts)
        s = torch.sort(b.scores, descending=True).values
        if 0 < k < s.numel():
            gaps.append(float(s[k - 1] - s[k]))
    return min(gaps) if gaps else None


def selection(model, density) -> dict:
    """experts and scores of the last sequence (null at density 1)."""
    if not isinstance(density, list) and density >= 1.0:
        return {"experts": None, "scores": None}
    return {"experts": gt.experts(model), "scores": gt.scores(model)}


@torch.no_grad()
def greedy_with_margin(model, prompt: list[int]) -> tuple[list[int], float]:
    """gt.greedy's decoding, also returning the smallest argmax margin on the way."""
    gt.reset(model)
    logits, cache = gt._forward(model, prompt)
    out, margin = [], top_gap(logits[-1])
    nxt = int(torch.argmax(logits[-1]))
    while True:
        out.append(nxt)
        if len(out) == N_NEW:
            return out, margin
        logits, cache = gt._forward(model, [nxt], cache)
        margin = min(margin, top_gap(logits[-1]))
        nxt = int(torch.argmax(logits[-1]))


def gen_case(model, prompt: list[int], density, method: str) -> tuple[dict, list[float]]:
    """Greedy generation with GRIFFIN; returns the case and its margins."""
    gt.configure(model, density=density, method=method, mode="gen", seed=0)
    ids, greedy_margin = greedy_with_margin(model, prompt)
    key = "densities" if isinstance(density, list) else "density"
    case = {"prompt_ids": prompt, key: density, "method": method, "mode": "gen"}
    case.update(selection(model, density))
    margin = selection_margin(model)
    case.update({"greedy_ids": ids, "greedy_margin": greedy_margin, "selection_margin": margin})
    return case, [greedy_margin / MIN_GREEDY_MARGIN] + (
        [] if margin is None else [margin / MIN_SELECTION_MARGIN])


def score_case(model, ctx: list[int], cont: list[int], density: float, method: str,
               mode: str) -> tuple[dict, list[float]]:
    """Log-likelihood of a continuation in mode class or gen."""
    gt.configure(model, density=density, method=method, mode=mode, seed=0)
    fn = gt.score_class if mode == "class" else gt.score_gen
    logprobs, is_greedy = fn(model, ctx, cont)
    case = {"context_ids": ctx, "continuation_ids": cont, "density": density, "method": method,
            "mode": mode}
    case.update(selection(model, density))
    margin = selection_margin(model)
    case.update({"logprobs": logprobs, "loglikelihood": gt.loglikelihood(logprobs),
                 "greedy": is_greedy, "selection_margin": margin})
    return case, [] if margin is None else [margin / MIN_SELECTION_MARGIN]


def tokenizer_cases(folder: Path) -> list[dict]:
    """Ids of a few texts under the folder's tokenizer.json (no special tokens)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    texts = ["Once upon a time there was a little model.", "The experts slept; 42 woke up!",
             "zebra quokka"]
    return [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in texts]


def reference(model, name: str, seed: int, folder: Path, device: str) -> tuple[dict, float]:
    """Every case of one architecture, and the worst margin ratio (≥ 1 is safe)."""
    import transformers

    from common import sha256_file

    bos = model.config.bos_token_id if name == "gemma" else None
    prompts = make_prompts(bos, name in LONG_PROMPTS)
    full = plain_logits(model, prompts["long"])
    ref = {"meta": {
        "script": SCRIPT, "architecture": name, "note": ARCHITECTURES[name][3], "seed": seed,
        "date": utc_now(), "torch": torch.__version__, "transformers": transformers.__version__,
        "device": torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu",
        "dtype": "bfloat16 weights, float32 compute", "attn_implementation": "eager",
        "model_safetensors_sha256": sha256_file(folder / "model.safetensors"),
        "n_new": N_NEW, "d_ff": None,
        "notes": ("greedy_margin: smallest top-1 minus top-2 logit over the generated tokens;"
                  " selection_margin: smallest s_(k) - s_(k+1) over the layers; floats rounded"
                  " to 7 significant digits")}}
    ref["full_logits"] = [{"prompt_ids": prompts["long"],
                           "logits": [[float(v) for v in row] for row in full.cpu()]}]
    griffinize(model)
    ref["meta"]["d_ff"] = gt.blocks(model)[0].d_ff
    ratios: list[float] = []

    def add(section: str, made: tuple[dict, list[float]]):
        ref.setdefault(section, []).append(made[0])
        ratios.extend(made[1])

    for p in (prompts["short"], prompts["long"]):
        for d in GEN_DENSITIES:
            add("gen_cases", gen_case(model, p, d, "topk"))
    add("gen_cases", gen_case(model, prompts["long"], 0.5, "magnitude"))
    add("schedule_cases", gen_case(model, prompts["long"], SCHEDULE, "topk"))
    for ctx, cont in prompts["pairs"]:
        for d in CLASS_DENSITIES:
            add("class_cases", score_case(model, ctx, cont, d, "topk", "class"))
    ctx, cont = prompts["pairs"][0]
    add("class_cases", score_case(model, ctx, cont, 0.5, "magnitude", "class"))
    for ctx, cont in prompts["pairs"][::2]:
        for d in GEN_SCORE_DENSITIES:
            add("gen_score_cases", score_case(model, ctx, cont, d, "topk", "gen"))
    ref["tokenizer_cases"] = tokenizer_cases(folder)
    check_consistency(ref, full)
    return ref, min(ratios)


def check_consistency(ref: dict, full: torch.Tensor):
    """Density 1 in GRIFFIN is transformers' model: same greedy first token; class and gen
    scoring agree at density 1; topk keeps exactly k."""
    d_ff = ref["meta"]["d_ff"]
    long_full = [c for c in ref["gen_cases"]
                 if c["prompt_ids"] == ref["full_logits"][0]["prompt_ids"] and c.get("density") == 1.0]
    assert long_full[0]["greedy_ids"][0] == int(torch.argmax(full[-1])), "density 1 is not the model"
    for c in ref["gen_cases"] + ref["class_cases"]:
        if c["experts"] is not None and c["method"] == "topk":
            assert all(len(e) == int(d_ff * c["density"]) for e in c["experts"])
    for c in ref["class_cases"]:
        assert (c["experts"] is None) == (c["density"] == 1.0)
        if c["density"] == 0.0:
            assert all(e == [] for e in c["experts"])


def main():
    """Build every architecture's folder and reference file."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--only", nargs="*", default=list(ARCHITECTURES))
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only:
        for attempt in range(SEED_TRIES):
            seed = FIRST_SEED[name] + attempt
            save_folder(name, out / name, seed)
            model = load(out / name, args.device)
            ref, worst = reference(model, name, seed, out / name, args.device)
            print(f"{name}: seed {seed}, worst margin ratio {worst:.3g}", flush=True)
            if worst >= 1.0:
                break
        else:
            raise SystemExit(f"{name}: no seed in {SEED_TRIES} gave safe margins")
        write_json(ref, out / f"{name}.json")


if __name__ == "__main__":
    main()
