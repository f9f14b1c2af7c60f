"""Python side of bench/env_nethack: steps/s of NLE's gym env (gym.make, as users run it).

Uniformly random actions of the task's action set, reset on termination, for --seconds;
prints one line: `steps=N seconds=S`.
"""

import argparse
import random
import time

import gymnasium as gym
import nle  # noqa: F401  (registers NetHack*-v0)

ap = argparse.ArgumentParser()
ap.add_argument("--task", default="Score")
ap.add_argument("--keys", default="glyphs,chars,colors,blstats,message", help="'default' = NLE's own default keys")
ap.add_argument("--seconds", type=float, default=5.0)
args = ap.parse_args()

kwargs = {} if args.keys == "default" else {"observation_keys": tuple(args.keys.split(","))}
env = gym.make("NetHack%s-v0" % args.task, **kwargs)
n = env.action_space.n
rng = random.Random(0)
actions = [rng.randrange(n) for _ in range(1 << 16)]
env.reset(seed=0)
steps = 0
start = time.perf_counter()
deadline = start + args.seconds
while True:
    for _ in range(256):
        _, _, term, trunc, _ = env.step(actions[steps & 0xFFFF])
        steps += 1
        if term or trunc:
            env.reset()
    if time.perf_counter() >= deadline:
        break
print("steps=%d seconds=%.3f" % (steps, time.perf_counter() - start))
