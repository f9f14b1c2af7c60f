"""sample-factory 2.1.1 training NetHackScore-v0 with spur's network, for bench/train_nethack.

sample-factory 2.1.1 (the pinned peer) ships no NetHack example: its wheel and sdist have
no sf_examples/nethack (that folder came after the release). This is the smallest adapter
that makes the comparison fair, written for this bench:
  * the env is nle 1.2.0's own NetHackScore-v0 (TASK_ACTIONS, 23 actions), observation keys
    chars, colors, blstats, message, max_episode_steps 5000 -- what spur's run is given too;
  * the encoder restates spur's `model.type: nethack` network (models/policy_net.cc) in
    PyTorch with the same sizes; sample-factory's own GRU core (rnn_size 512) and its linear
    policy and value heads complete it, exactly the layers spur has after its encoder;
  * APPO hyperparameters are the ones of configs/nethack_score.yaml;
  * sample-factory 2.1.1 crashes its learner with V-trace on (the summaries read
    mb.advantages, which only the GAE path fills): the advantages V-trace computed are
    handed to the summaries instead (patched at import, so that spawned workers have it).
It prints the model's parameter count and multiply-accumulates per step (counted by forward
hooks, independently of spur's formula), then sample-factory's own progress lines, which the
bench reads ("Total num frames: N").

Usage: python sf_nethack.py --train_dir DIR --seconds S [--workers 2 --envs_per_worker 16]
"""
import argparse
import sys

import numpy as np
import torch
from torch import nn

from nle.env.tasks import NetHackScore
from sample_factory.algo.utils.context import global_model_factory
from sample_factory.cfg.arguments import parse_full_cfg, parse_sf_args
from sample_factory.envs.env_utils import register_env
from sample_factory.model.encoder import Encoder
from sample_factory.train import run_rl


def _vtrace_summaries_fix():
    from sample_factory.algo.learning.learner import Learner

    record = Learner._record_summaries

    def record_with_vtrace_advantages(self, var):
        if "advantages" not in var.mb:
            var.mb["advantages"] = var.adv
        return record(self, var)

    Learner._record_summaries = record_with_vtrace_advantages


_vtrace_summaries_fix()

OBS_KEYS = ("chars", "colors", "blstats", "message")
# spur's sizes at configs/nethack_score.yaml (models/model_options.h defaults).
CHAR_EMB, COLOR_EMB, CHANNELS, WIDTH, CROP = 16, 8, 32, 128, 9
BLSTATS_SCALE = [1 / 79, 1 / 21, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0.1, 0.1, 0, 1 / 1000,
                 0.1, 0.1, 0.1, 0, 0.1, 1 / 100, 1 / 1000, 1, 0.1, 0, 0, 0, 0]


def make_nethack_score(full_env_name, cfg=None, env_config=None, render_mode=None):
    return NetHackScore(observation_keys=OBS_KEYS, max_episode_steps=5000)


class SpurNetHackEncoder(Encoder):
    """spur's NetHack encoder: crop of (char, colour) embeddings around the hero, strided
    view of the whole map, blstats MLP, message MLP; output 4 * WIDTH."""

    def __init__(self, cfg, obs_space):
        super().__init__(cfg)
        emb, c, w, k = CHAR_EMB + COLOR_EMB, CHANNELS, WIDTH, CROP
        self.chars = nn.Embedding(256, CHAR_EMB)
        self.colors = nn.Embedding(32, COLOR_EMB)
        self.crop1 = nn.Conv2d(emb, c, 3, padding=1)
        self.crop2 = nn.Conv2d(c, c, 3, padding=1)
        self.crop_fc = nn.Linear(c * k * k, w)
        self.map1 = nn.Conv2d(emb, c, 3, stride=2, padding=1)
        self.map2 = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.map_fc = nn.Linear(c * 6 * 20, w)
        self.bl1, self.bl2 = nn.Linear(27, w), nn.Linear(w, w)
        self.msg1, self.msg2 = nn.Linear(256, w), nn.Linear(w, w)
        self.register_buffer("scale", torch.tensor(BLSTATS_SCALE, dtype=torch.float32))

    def get_out_size(self):
        return 4 * WIDTH

    def forward(self, obs):
        elu = nn.functional.elu
        ch = obs["chars"].long()
        n = ch.shape[0]
        co = obs["colors"].long().clamp(0, 31)
        bl = obs["blstats"].reshape(n, 27)
        grid = torch.cat([self.chars(ch), self.colors(co)], -1).permute(0, 3, 1, 2)
        r = CROP // 2
        padded = nn.functional.pad(grid, (r, r, r, r))
        offs = torch.arange(CROP)
        ys = bl[:, 1].long().clamp(0, 20).unsqueeze(1) + offs
        xs = bl[:, 0].long().clamp(0, 78).unsqueeze(1) + offs
        idx = torch.arange(n).view(n, 1, 1)
        crop = padded.permute(0, 2, 3, 1)[idx, ys.unsqueeze(2), xs.unsqueeze(1)].permute(0, 3, 1, 2)
        c = elu(self.crop_fc(elu(self.crop2(elu(self.crop1(crop)))).flatten(1)))
        m = elu(self.map_fc(elu(self.map2(elu(self.map1(grid)))).flatten(1)))
        b = (bl.float() * self.scale).clamp(-5, 5)
        b = elu(self.bl2(elu(self.bl1(b))))
        msg = obs["message"].reshape(n, 256).float() / 255.0
        msg = elu(self.msg2(elu(self.msg1(msg))))
        return torch.cat([c, m, b, msg], 1)


def count_model(cfg, env):
    """Parameters and multiply-accumulates per step of the actor-critic sample-factory builds."""
    from sample_factory.model.actor_critic import create_actor_critic

    model = create_actor_critic(cfg, env.observation_space, env.action_space)
    params = sum(p.numel() for p in model.parameters())
    macs = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Linear):
            macs[0] += module.in_features * module.out_features * (output.numel() // output.shape[-1])
        elif isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            macs[0] += output.numel() * k
        elif isinstance(module, nn.GRU):
            macs[0] += 3 * (module.input_size + module.hidden_size) * module.hidden_size

    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.GRU)):
            m.register_forward_hook(hook)
    obs, _ = env.reset(seed=0)
    batch = {k: torch.from_numpy(np.asarray(v)).unsqueeze(0) for k, v in obs.items()}
    with torch.no_grad():
        normalized = model.normalize_obs(batch)
        model(normalized, torch.zeros(1, cfg.rnn_size))
    return params, macs[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train_dir", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--envs_per_worker", type=int, default=16)
    a = ap.parse_args()

    register_env("nethack_score", make_nethack_score)
    global_model_factory().register_encoder_factory(SpurNetHackEncoder)
    argv = [
        "--env=nethack_score", "--experiment=bench", f"--train_dir={a.train_dir}", "--device=cpu",
        f"--num_workers={a.workers}", f"--num_envs_per_worker={a.envs_per_worker}", "--worker_num_splits=2",
        "--rollout=32", "--recurrence=32", "--batch_size=1024", "--num_batches_per_epoch=1", "--num_epochs=1",
        "--learning_rate=0.0001", "--gamma=0.99", "--ppo_clip_ratio=0.1", "--exploration_loss_coeff=0.003",
        "--value_loss_coeff=0.5", "--max_grad_norm=4.0", "--with_vtrace=True", "--reward_scale=0.1",
        "--normalize_returns=False", "--normalize_input=False", "--use_rnn=True", "--rnn_type=gru",
        "--rnn_size=512", "--rnn_num_layers=1", "--decoder_mlp_layers", "--save_every_sec=100000",
        "--save_best_every_sec=100000", f"--train_for_seconds={a.seconds}", "--with_wandb=False",
    ]
    parser, _ = parse_sf_args(argv)
    cfg = parse_full_cfg(parser, argv)
    params, macs = count_model(cfg, make_nethack_score("nethack_score"))
    print(f"sf_nethack: model {params} parameters, {macs} MACs per step", flush=True)
    return run_rl(cfg)


if __name__ == "__main__":
    sys.exit(main())
