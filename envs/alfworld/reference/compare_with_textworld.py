"""Plays every game.tw-pddl under a directory in TextWorld (PddlEnv + AlfredDemangler) and in
spur (`spur rollout --env alfworld`) with the same commands: the game's walkthrough, then
--random admissible commands drawn by TextWorld's side (seeded), and compares the two step by
step: feedback text, admissible commands, won. Prints one line per game and a summary; exits 1
on any difference or when a walkthrough does not win in either engine.

Run in the reference venv (envs/alfworld/reference/make_venv.sh):
  .venv-textworld/bin/python envs/alfworld/reference/compare_with_textworld.py \
      --spur build/spur --dir GAMES_DIR [--random 40] [--limit N] [--seed 0]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time


def textworld_play(game, walkthrough_only, extra_random, seed):
    from textworld import EnvInfos
    from textworld.envs import PddlEnv
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler

    env = AlfredDemangler(PddlEnv(EnvInfos(admissible_commands=True, won=True, moves=True)))
    env.load(game)
    state = env.reset()
    rows = [(None, state.feedback, state["admissible_commands"], bool(state["won"]))]
    walkthrough = json.load(open(game)).get("walkthrough") or []
    for cmd in walkthrough:
        state, _, _ = env.step(cmd)
        rows.append((cmd, state.feedback, state["admissible_commands"], bool(state["won"])))
    won_walkthrough = rows[-1][3]
    if not walkthrough_only:
        # A second episode: random admissible commands from the start.
        state = env.reset()
        rng = random.Random(seed)
        rows.append(("<reset>", state.feedback, state["admissible_commands"], bool(state["won"])))
        for _ in range(extra_random):
            if state["won"]:
                break
            cmd = rng.choice(state["admissible_commands"])
            state, _, _ = env.step(cmd)
            rows.append((cmd, state.feedback, state["admissible_commands"], bool(state["won"])))
    return rows, won_walkthrough


def spur_play(spur, game, commands):
    with tempfile.TemporaryDirectory() as tmp:
        actions = os.path.join(tmp, "actions.txt")
        out = os.path.join(tmp, "out.jsonl")
        with open(actions, "w") as f:
            f.write("".join(c + "\n" for c in commands))
        subprocess.run([spur, "rollout", "--env", "alfworld", "--game", game, "--action-file", actions, "--out", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return [json.loads(line) for line in open(out)]


def main() -> int:
    argv = list(sys.argv[1:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spur", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--random", type=int, default=40)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    games = []
    for root, _, files in os.walk(args.dir):
        if "game.tw-pddl" in files:
            games.append(os.path.join(root, "game.tw-pddl"))
    games.sort()
    if args.limit:
        games = games[: args.limit]
    failures = 0
    steps = 0
    start = time.time()
    for i, game in enumerate(games):
        rows, won_tw = textworld_play(game, False, args.random, args.seed + i)
        # spur: the walkthrough episode, then the random episode (its commands after "<reset>").
        cut = [k for k, r in enumerate(rows) if r[0] == "<reset>"][0]
        walk = [r[0] for r in rows[1:cut]]
        rand = [r[0] for r in rows[cut + 1:]]
        a = spur_play(args.spur, game, walk)
        b = spur_play(args.spur, game, rand)
        spur_rows = [(None, x["observation"], x["admissible"], x["won"]) for x in a] + \
                    [("<reset>", b[0]["observation"], b[0]["admissible"], b[0]["won"])] + \
                    [(x["action"], x["observation"], x["admissible"], x["won"]) for x in b[1:]]
        diffs = []
        for k, (tw, sp) in enumerate(zip(rows, spur_rows)):
            if tw[1:] != sp[1:]:
                diffs.append(k)
        if len(rows) != len(spur_rows):
            diffs.append(-1)
        won_spur = a[-1]["won"]
        ok = not diffs and won_tw and won_spur
        failures += not ok
        steps += len(rows)
        print("%s %s: %d steps, walkthrough won: textworld=%s spur=%s%s" % (
            "OK  " if ok else "FAIL", os.path.relpath(game, args.dir), len(rows), won_tw, won_spur,
            "" if not diffs else ", first difference at step %d" % diffs[0]))
        sys.stdout.flush()
    print("%d games, %d steps compared, %d failures (%.0f s)" % (len(games), steps, failures, time.time() - start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
