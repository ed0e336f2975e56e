#!/usr/bin/env python3
"""Train the project's small Llama-style model (models/griffin-mini-llama).

Runs on the lent H200 (PyTorch, transformers, tokenizers are installed there):

    deno run -A tools/fetch_training_text.ts          # here: writes .fixtures/train_text/train.txt
    # there, with carry [".fixtures/train_text"]:
    python3 tools/train_small_llama.py --train .fixtures/train_text/train.txt \
        --heldout models/griffin-mini-llama/heldout.txt --out $OUT/model

1. A byte-level BPE tokenizer (`tokenizers`, vocabulary 4096, specials <unk> <s> </s>) is
   trained on the training text and saved as tokenizer.json (+ tokenizer_config.json).
2. Every training document (one per line) is encoded and followed by </s>; the documents are
   concatenated into one stream.
3. A LlamaForCausalLM (RMSNorm, RoPE, SwiGLU feed-forward, grouped-query attention, tied
   embeddings) is trained from scratch on random 512-token windows of that stream: AdamW,
   linear warm-up then cosine decay, bf16 autocast, fixed seed, fixed number of steps.
4. The weights are saved in float16 (model.safetensors) with config.json; training figures
   go to train_stats.json (held-out loss along the way, tokens/s, hashes).
"""

import argparse
import hashlib
import json
import math
import os
import time

import torch
import torch.nn.functional as F


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_docs(path, limit=None):
    with open(path, encoding="utf-8") as f:
        docs = [line.rstrip("\n") for line in f]
    docs = [d for d in docs if d]
    return docs[:limit] if limit else docs


def train_tokenizer(docs, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(docs, trainer=trainer)
    return tok


def encode_docs(tok, docs, eos_id):
    ids = []
    for enc in tok.encode_batch(docs, add_special_tokens=False):
        ids.extend(enc.ids)
        ids.append(eos_id)
    return torch.tensor(ids, dtype=torch.int32)


def heldout_windows(tok, docs, length):
    """Non-overlapping windows of `length` tokens inside each held-out document."""
    rows = []
    for enc in tok.encode_batch(docs, add_special_tokens=False):
        ids = enc.ids
        for s in range(0, len(ids) - length + 1, length):
            rows.append(ids[s : s + length])
    return torch.tensor(rows, dtype=torch.long)


@torch.no_grad()
def heldout_loss(model, windows, device, batch=64):
    model.eval()
    total, count = 0.0, 0
    for i in range(0, windows.shape[0], batch):
        x = windows[i : i + batch].to(device)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(input_ids=x[:, :-1], use_cache=False).logits
        loss = F.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum"
        )
        total += loss.item()
        count += x[:, 1:].numel()
    model.train()
    return total / count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--heldout", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=7)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--ff", type=int, default=688)
    p.add_argument("--ctx", type=int, default=512)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=2400)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr", type=float, default=2e-4)
    p.add_argument("--wd", type=float, default=0.1)
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--max-bytes", type=int, default=12_000_000)
    p.add_argument("--smoke", action="store_true", help="tiny data, for a quick check")
    a = p.parse_args()

    from transformers import LlamaConfig, LlamaForCausalLM

    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()
    torch.manual_seed(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    device = "cuda"

    train_docs = read_docs(a.train, 40 if a.smoke else None)
    held_docs = read_docs(a.heldout, 4 if a.smoke else None)

    t0 = time.time()
    tok = train_tokenizer(train_docs, a.vocab)
    vocab = tok.get_vocab_size()
    unk_id, bos_id, eos_id = (tok.token_to_id(t) for t in ("<unk>", "<s>", "</s>"))
    assert (unk_id, bos_id, eos_id) == (0, 1, 2), (unk_id, bos_id, eos_id)
    tok_path = os.path.join(a.out, "tokenizer.json")
    tok.save(tok_path)
    with open(tok_path, "a") as f:
        f.write("\n")  # as `deno fmt` leaves it, so the committed file keeps its hash
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "add_bos_token": False,
                "add_eos_token": False,
                "clean_up_tokenization_spaces": False,
                "model_max_length": a.ctx,
            },
            f,
            indent=2,
        )
        f.write("\n")
    t_tok = time.time() - t0

    data = encode_docs(tok, train_docs, eos_id)
    n_train_tokens = int(data.numel())
    data = data.to(device).long()
    held = heldout_windows(tok, held_docs, a.ctx + 1 if not a.smoke else 65)
    if a.smoke:
        a.ctx = 64
    print(
        f"tokenizer: vocab {vocab}, {t_tok:.1f}s; train tokens {n_train_tokens} "
        f"({sum(len(d) for d in train_docs) / n_train_tokens:.2f} chars/token); "
        f"held-out windows {held.shape[0]} x {held.shape[1]}",
        flush=True,
    )

    cfg = LlamaConfig(
        vocab_size=vocab,
        hidden_size=a.hidden,
        intermediate_size=a.ff,
        num_hidden_layers=a.layers,
        num_attention_heads=a.heads,
        num_key_value_heads=a.kv_heads,
        head_dim=a.hidden // a.heads,
        hidden_act="silu",
        max_position_embeddings=512,
        rms_norm_eps=1e-5,
        initializer_range=0.02,
        tie_word_embeddings=True,
        attention_bias=False,
        mlp_bias=False,
        bos_token_id=bos_id,
        eos_token_id=eos_id,
        use_cache=True,
    )
    model = LlamaForCausalLM(cfg).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params} parameters ({2 * n_params / 1e6:.2f} MB in fp16)", flush=True)
    assert 2 * n_params <= a.max_bytes, "fp16 weights would exceed the size limit"

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}],
        lr=a.lr,
        betas=(0.9, 0.95),
        eps=1e-8,
        fused=True,
    )

    def lr_at(step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        t = (step - a.warmup) / max(1, a.steps - a.warmup)
        return a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * t))

    gen = torch.Generator(device="cpu")
    gen.manual_seed(a.seed)
    offsets = torch.arange(a.ctx + 1, device=device)
    curve = []
    model.train()
    torch.cuda.synchronize()
    t_train = time.time()
    loss_acc, loss_n = 0.0, 0
    for step in range(a.steps):
        starts = torch.randint(0, n_train_tokens - a.ctx - 1, (a.batch,), generator=gen)
        batch = data[starts.to(device)[:, None] + offsets[None, :]]
        x, y = batch[:, :-1], batch[:, 1:]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(input_ids=x, use_cache=False).logits
        loss = F.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss_acc += loss.item() if (step + 1) % 50 == 0 else 0.0
        loss_n += 1 if (step + 1) % 50 == 0 else 0
        if (step + 1) % a.eval_every == 0 or step + 1 == a.steps:
            hl = heldout_loss(model, held, device)
            el = time.time() - t_train
            tok_s = (step + 1) * a.batch * a.ctx / el
            train_loss = loss_acc / max(1, loss_n)
            curve.append(
                {
                    "step": step + 1,
                    "train_loss": round(train_loss, 4),
                    "heldout_loss": round(hl, 4),
                    "heldout_ppl": round(math.exp(hl), 3),
                    "grad_norm": round(float(gnorm), 3),
                    "lr": lr_at(step),
                    "seconds": round(el, 1),
                }
            )
            print(
                f"step {step + 1:5d}  train {train_loss:.4f}  held-out {hl:.4f} "
                f"(ppl {math.exp(hl):.2f})  gnorm {float(gnorm):.2f}  {tok_s / 1e6:.2f}M tok/s  "
                f"{el:.0f}s",
                flush=True,
            )
            loss_acc, loss_n = 0.0, 0
    torch.cuda.synchronize()
    train_seconds = time.time() - t_train

    # Save in float16, as the GRIFFIN paper's weights were.
    model.eval()
    fp32_loss = heldout_loss(model, held, device)
    model = model.half()
    model.config.use_cache = True
    model.save_pretrained(a.out)
    gc = os.path.join(a.out, "generation_config.json")
    if os.path.exists(gc):
        os.remove(gc)
    cfg_path = os.path.join(a.out, "config.json")
    with open(cfg_path) as f:
        cfg_json = json.load(f)
    # Compatibility keys for loaders that predate transformers 5 (which writes "dtype" and
    # "rope_parameters"): the same values under their older names.
    cfg_json["torch_dtype"] = "float16"
    cfg_json["dtype"] = "float16"
    rope = cfg_json.get("rope_parameters") or {}
    cfg_json.setdefault("rope_theta", float(rope.get("rope_theta", 10000.0)))
    cfg_json["hidden_act"] = "silu"
    with open(cfg_path, "w") as f:
        json.dump(cfg_json, f, indent=2, sort_keys=True)
        f.write("\n")
    st_path = os.path.join(a.out, "model.safetensors")
    st_bytes = os.path.getsize(st_path)
    assert st_bytes <= a.max_bytes, f"model.safetensors is {st_bytes} bytes"

    # Reload what was written, as the project will, and measure it in fp16.
    try:
        m2 = LlamaForCausalLM.from_pretrained(a.out, dtype=torch.float16).to(device)
    except TypeError:
        m2 = LlamaForCausalLM.from_pretrained(a.out, torch_dtype=torch.float16).to(device)
    m2.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, held.shape[0], 64):
            xb = held[i : i + 64].to(device)
            logits = m2(input_ids=xb[:, :-1], use_cache=False).logits
            total += F.cross_entropy(
                logits.float().reshape(-1, vocab), xb[:, 1:].reshape(-1), reduction="sum"
            ).item()
            count += xb[:, 1:].numel()
    fp16_loss = total / count

    samples = [
        "Fellow-Citizens of the Senate and House of Representatives:",
        "Call me Ishmael. Some years ago--never mind how long precisely--",
        'The jury said it did find that "many of Georgia\'s registration laws are outmoded".',
        "In 1846, 12.5% of  the  revenue (about $3,000,000) came from tariffs!\tOK?",
        "naïve café -- “quoted” text",
    ]
    stats = {
        "seed": a.seed,
        "settings": {k: v for k, v in vars(a).items() if k not in ("train", "heldout", "out")},
        "parameters": n_params,
        "safetensors_bytes": st_bytes,
        "vocab_size": vocab,
        "train_txt_sha256": sha256_file(a.train),
        "heldout_txt_sha256": sha256_file(a.heldout),
        "tokenizer_json_sha256": sha256_file(os.path.join(a.out, "tokenizer.json")),
        "model_safetensors_sha256": sha256_file(st_path),
        "train_documents": len(train_docs),
        "train_tokens": n_train_tokens,
        "train_chars_per_token": sum(len(d) for d in train_docs) / n_train_tokens,
        "tokens_seen": a.steps * a.batch * a.ctx,
        "epochs": a.steps * a.batch * a.ctx / n_train_tokens,
        "tokenizer_seconds": t_tok,
        "train_seconds": train_seconds,
        "tokens_per_second": a.steps * a.batch * a.ctx / train_seconds,
        "heldout_windows": list(held.shape),
        "heldout_loss_bf16_autocast_fp32_weights": fp32_loss,
        "heldout_loss_fp16": fp16_loss,
        "heldout_ppl_fp16": math.exp(fp16_loss),
        "curve": curve,
        "tokenizer_samples": [
            {"text": s, "ids": tok.encode(s, add_special_tokens=False).ids} for s in samples
        ],
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "tokenizers": __import__("tokenizers").__version__,
        "gpu": torch.cuda.get_device_name(0),
        "wall_seconds": time.time() - t_start,
    }
    with open(os.path.join(a.out, "train_stats.json"), "w") as f:
        json.dump(stats, f, indent=2)
        f.write("\n")
    print(
        f"done: {train_seconds:.0f}s training, {stats['tokens_per_second'] / 1e6:.2f}M tok/s, "
        f"{stats['epochs']:.1f} epochs; held-out ppl fp16 {math.exp(fp16_loss):.3f} "
        f"(bf16 autocast {math.exp(fp32_loss):.3f}); safetensors {st_bytes} bytes",
        flush=True,
    )


if __name__ == "__main__":
    main()
