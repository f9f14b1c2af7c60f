"""Record TextWorld PddlEnv transcripts of ALFWorld games: the golden files that spur's
ALFWorld engine is compared to (tests/envs/alfworld_golden_test.cc).

Runs in the reference venv (envs/alfworld/reference/make_venv.sh), never in spur's own:

  .venv-textworld/bin/python envs/alfworld/reference/record_transcripts.py \
      --game GAME.tw-pddl [--actions FILE] [--random N --seed S] [--walkthrough] \
      [--names alfred|ids] --out GOLDEN.jsonl

Actions: the lines of --actions (played as given, invalid ones included), then N random
admissible commands (seeded), or the game's walkthrough. Names: "alfred" wraps PddlEnv in
alfworld's AlfredDemangler as ALFWorld does ("countertop 1"); "ids" is plain PddlEnv (the
PDDL object ids).

Output: one JSON object per line. The first is the reset:
  {"game": ..., "names": ..., "feedback": ..., "admissible": [...], "score": 0, "won": false, "moves": 0}
then one per step:
  {"action": ..., "feedback": ..., "admissible": [...], "score": s, "won": w, "done": d, "moves": m}
"""

import argparse
import json
import random
import sys


def main() -> int:
    argv = list(sys.argv[1:])  # alfworld's imports read sys.argv; keep our own copy
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--game", required=True)
    ap.add_argument("--actions", help="file with one command per line")
    ap.add_argument("--random", type=int, default=0, help="random admissible commands to play after --actions")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--walkthrough", action="store_true", help="play the game file's walkthrough")
    ap.add_argument("--names", choices=["alfred", "ids"], default="alfred")
    ap.add_argument("--label", default=None, help="the game path to write into the file (default: --game)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    from textworld import EnvInfos
    from textworld.envs import PddlEnv

    infos = EnvInfos(admissible_commands=True, won=True, moves=True)
    env = PddlEnv(infos)
    if args.names == "alfred":
        from alfworld.agents.environment.alfred_tw_env import AlfredDemangler
        env = AlfredDemangler(env)
    env.load(args.game)
    state = env.reset()

    actions = []
    if args.actions:
        with open(args.actions) as f:
            actions = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
    if args.walkthrough:
        with open(args.game) as f:
            actions += json.load(f).get("walkthrough") or []

    rows = [{
        "game": args.label or args.game,
        "names": args.names,
        "feedback": state.feedback,
        "admissible": state["admissible_commands"],
        "score": 0,
        "won": bool(state["won"]),
        "moves": state["moves"],
    }]
    rng = random.Random(args.seed)
    done = False

    def play(cmd):
        nonlocal state, done
        state, score, done = env.step(cmd)
        rows.append({
            "action": cmd,
            "feedback": state.feedback,
            "admissible": state["admissible_commands"],
            "score": score,
            "won": bool(state["won"]),
            "done": bool(done),
            "moves": state["moves"],
        })

    for cmd in actions:
        if done:
            break
        play(cmd)
    for _ in range(args.random):
        if done:
            break
        play(rng.choice(state["admissible_commands"]))

    with open(args.out, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    print(f"{args.out}: {len(rows) - 1} steps, won={rows[-1]['won']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
