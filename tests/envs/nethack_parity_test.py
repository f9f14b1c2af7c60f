"""Parity: spur's NetHack env against the Python nle 1.2.0 gym env, step by step.

For every task and several seeds, both sides play the same random action sequence with
the same NetHack seeds (episode k seeded with core+k, disp+k) and must agree on every
step's message, blstats, reward, done, truncated, end status, per-episode message count
and glyphs (XXH3-64 of the int16 array). The Oni* tasks are compared with
oni_reference.py, which states ONI's task semantics on top of the same nle.

usage: nethack_parity_test.py --spur build/spur [--tasks A,B] [--seeds 3] [--steps 1000]
Exits 1 on the first mismatch, printing both sides.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import xxhash
from nle.env import base, tasks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oni_reference  # noqa: E402

NLE_TASKS = ["NetHack", "Score", "Staircase", "StaircasePet", "Oracle", "Gold", "Eat", "Scout", "Challenge"]
ALL_TASKS = NLE_TASKS + list(oni_reference.ONI_TASKS)
KEYS = ("glyphs", "blstats", "message")


def make_env(task, actions, max_steps):
    kwargs = {"observation_keys": KEYS}
    if max_steps:
        kwargs["max_episode_steps"] = max_steps
    if task in oni_reference.ONI_TASKS:
        return oni_reference.OniTask(task, extended=(actions != "task"), **kwargs)
    # The classes behind gym.make("NetHack<Task>-v0"), built directly: gym.make would take
    # max_episode_steps for its own TimeLimit wrapper instead of passing it to NLE.
    cls = base.NLE if task == "NetHack" else getattr(tasks, "NetHack" + task)
    return cls(**kwargs)


def seed_env(env, task, core, disp, lgen):
    if task == "Challenge":  # NLE's Challenge refuses seed(); seed the game underneath.
        env.nethack._pynethack.set_initial_seeds(core, disp, False, lgen)
    else:
        env.seed(core, disp, False, lgen)


def python_rollout(task, actions_name, max_steps, core, disp, lgen, actions):
    env = make_env(task, actions_name, max_steps)
    lines = []
    episode = 0
    counts = {}

    def reset():
        counts.clear()
        seed_env(env, task, core + episode, disp + episode, None if lgen is None else lgen + episode)
        obs, _ = env.reset()
        count(obs)

    def count(obs):
        text = bytes(obs["message"]).split(b"\0", 1)[0]
        counts[text] = counts.get(text, 0) + 1
        return text, counts[text]

    reset()
    for i, a in enumerate(actions):
        obs, reward, done, truncated, info = env.step(a)
        text, n = count(obs)
        lines.append(
            {
                "episode": episode,
                "step": i,
                "action": a,
                "reward": float(reward),
                "done": bool(done),
                "truncated": bool(truncated),
                "end_status": int(info["end_status"]),
                "message": text.decode("utf-8", "replace"),
                "message_count": n,
                "blstats": [int(v) for v in obs["blstats"]],
                "glyphs_xxh3": "%016x" % xxhash.xxh3_64_intdigest(obs["glyphs"].astype("<i2").tobytes()),
            }
        )
        if done:
            episode += 1
            reset()
    env.close()
    return lines


def spur_rollout(spur, task, actions_name, max_steps, core, disp, lgen, actions, workdir):
    action_file = os.path.join(workdir, "actions.txt")
    out = os.path.join(workdir, "spur.jsonl")
    with open(action_file, "w") as f:
        f.write("\n".join(map(str, actions)) + "\n")
    seed = "%d,%d" % (core, disp) + ("" if lgen is None else ",%d" % lgen)
    cmd = [spur, "--log-level", "warn", "rollout", "--task", task, "--seed", seed,
           "--action-file", action_file, "--out", out]
    if actions_name:
        cmd += ["--actions", actions_name]
    if max_steps:
        cmd += ["env.nethack.max_episode_steps=%d" % max_steps]
    subprocess.run(cmd, check=True)
    with open(out) as f:
        return [json.loads(line) for line in f]


FIELDS = ("episode", "action", "message", "blstats", "reward", "done", "truncated", "end_status",
          "message_count", "glyphs_xxh3")


def compare(name, core, disp, lgen, ours, theirs):
    """Returns an error text for the first differing step, or None."""
    if len(ours) != len(theirs):
        return "FAIL %s: spur wrote %d steps, python %d" % (name, len(ours), len(theirs))
    for a, b in zip(ours, theirs):
        diff = [k for k in FIELDS if a[k] != b[k]]
        if diff:
            return "FAIL %s seed (%d,%d,%s) step %d differs in %s\n  spur:    %s\n  python:  %s" % (
                name, core, disp, lgen, a["step"], diff, {k: a[k] for k in FIELDS}, {k: b[k] for k in FIELDS})
    return None


# Task successes are rare under random play. For these tasks the test searches a fixed list
# of (seed, action sequence) candidates with spur alone for the first run that succeeds and
# then compares that run with Python. Candidates are fixed, so the choice is reproducible.
SUCCESS_TASKS = {
    "Staircase": lambda line: line["end_status"] == 2,
    "StaircasePet": lambda line: line["end_status"] == 2,
    "OniStaircase": lambda line: line["end_status"] == 2,
    "OniStaircaseContinual": lambda line: line["reward"] == 50,
}


def success_parity(spur, task, workdir, candidates=120, steps=5000):
    n_actions = make_env(task, "", 0).action_space.n
    for k in range(candidates):
        core, disp = 50000 + k, 60000 + k
        rng = random.Random("success/%s/%d" % (task, k))
        actions = [rng.randrange(n_actions) for _ in range(steps)]
        ours = spur_rollout(spur, task, "", 0, core, disp, None, actions, workdir)
        hit = next((x for x in ours if SUCCESS_TASKS[task](x)), None)
        if hit is None:
            continue
        ours = ours[: hit["step"] + 1]
        theirs = python_rollout(task, "", 0, core, disp, None, actions[: len(ours)])
        error = compare(task + "/success", core, disp, None, ours, theirs)
        if error:
            return error
        print("ok %-30s candidate %d: success at step %d (reward %.2f, end status %d), %d steps identical" % (
            task + "/success", k, hit["step"], hit["reward"], hit["end_status"], len(ours)))
        return None
    return "FAIL %s: no candidate of %d reached a task success in %d steps" % (task, candidates, steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spur", required=True)
    ap.add_argument("--tasks", default=",".join(ALL_TASKS))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=1000)
    args = ap.parse_args()

    tasks = args.tasks.split(",")
    # ONI tasks also run with the plain task action set (ONI's -v1 envs); a few tasks run
    # with short episodes so that aborts and the quit sequence are compared too.
    runs = [(t, "", 0) for t in tasks]
    runs += [(t, "task", 0) for t in tasks if t in ("OniScore", "OniStaircase")]
    runs += [(t, "", 150) for t in tasks if t in ("Score", "Gold", "Challenge", "OniScore", "OniOracle")]
    total_steps = 0
    total_episodes = 0
    with tempfile.TemporaryDirectory() as workdir:
        for task, actions_name, max_steps in runs:
            env = make_env(task, actions_name, max_steps)
            n_actions = env.action_space.n
            env.close()
            name = task + ("/" + actions_name if actions_name else "") + ("/max%d" % max_steps if max_steps else "")
            for s in range(args.seeds):
                core, disp = 1000 + 17 * s, 2000 + 31 * s
                lgen = 3000 + s if s == 2 else None  # one seed per task uses the lgen RNG
                rng = random.Random("%s/%s/%d" % (task, actions_name, s))
                actions = [rng.randrange(n_actions) for _ in range(args.steps)]
                ours = spur_rollout(args.spur, task, actions_name, max_steps, core, disp, lgen, actions, workdir)
                theirs = python_rollout(task, actions_name, max_steps, core, disp, lgen, actions)
                error = compare(name, core, disp, lgen, ours, theirs)
                if error:
                    print(error)
                    return 1
                episodes = theirs[-1]["episode"] + (1 if theirs[-1]["done"] else 0)
                total_steps += len(ours)
                total_episodes += episodes
                statuses = sorted({x["end_status"] for x in ours if x["done"]})
                print("ok %-30s seed %d: %d steps, %d episodes ended (end statuses %s), return %.2f" % (
                    name, s, len(ours), episodes, statuses, sum(x["reward"] for x in ours)))
        for task in tasks:
            if task in SUCCESS_TASKS:
                error = success_parity(args.spur, task, workdir)
                if error:
                    print(error)
                    return 1
    print("parity: %d steps over %d task runs identical (%d episodes ended), plus task successes of %s" % (
        total_steps, len(runs) * args.seeds, total_episodes, ", ".join(t for t in tasks if t in SUCCESS_TASKS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
