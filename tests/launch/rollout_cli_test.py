"""`spur rollout` through the real binary: output, determinism and every error path."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

FAILED = []
CHECKS = [0]


def run(spur, *args):
    return subprocess.run([spur, "--log-level", "warn", "rollout", *args], capture_output=True, text=True)


def expect_error(name, result, *needles):
    text = result.stdout + result.stderr
    CHECKS[0] += 1
    ok = result.returncode != 0 and all(n in text for n in needles)
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    if not ok:
        FAILED.append(name)
        print("   exit %d, output: %s" % (result.returncode, text.strip()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spur", required=True)
    spur = ap.parse_args().spur
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.jsonl")
        # happy path, twice: identical files
        r1 = run(spur, "--task", "OniScore", "--seed", "3,4,5", "--random", "300", "--out", out)
        first = open(out).read() if r1.returncode == 0 else ""
        r2 = run(spur, "--task", "OniScore", "--seed", "3,4,5", "--random", "300", "--out", out)
        lines = [json.loads(x) for x in open(out)] if r2.returncode == 0 else []
        ok = r1.returncode == 0 and len(lines) == 300 and open(out).read() == first
        ok = ok and all(len(x["blstats"]) == 27 and 0 <= x["action"] < 28 for x in lines)
        ok = ok and {"step", "action", "key", "reward", "done", "end_status", "message", "glyphs_xxh3"} <= set(lines[0])
        CHECKS[0] += 1
        print("%s random rollout is complete and reproducible" % ("ok  " if ok else "FAIL"))
        if not ok:
            FAILED.append("happy path")
            print(r1.stderr, r2.stderr)

        base = ["--seed", "1,2", "--random", "5", "--out", out]
        expect_error("unknown task", run(spur, "--task", "Bogus", *base), "unknown NetHack task 'Bogus'", "valid: NetHack, Score")
        expect_error("unknown action set", run(spur, "--actions", "all", *base), "unknown action set 'all'", "oni_extended")
        expect_error("unknown env", run(spur, "--env", "atari", *base), "atari", "nethack")
        expect_error("one seed", run(spur, "--seed", "1", "--random", "5", "--out", out), "expected CORE,DISP")
        expect_error("bad seed", run(spur, "--seed", "1,x", "--random", "5", "--out", out), "'x' is not a non-negative integer")
        expect_error("no actions", run(spur, "--seed", "1,2", "--out", out), "--action-file F or --random N")
        expect_error("both action sources", run(spur, "--seed", "1,2", "--random", "5", "--action-file", out, "--out", out), "excludes")
        actions = os.path.join(d, "a.txt")
        with open(actions, "w") as f:
            f.write("0 1\n2 99\n")
        expect_error("action out of range", run(spur, "--seed", "1,2", "--action-file", actions, "--out", out),
                     actions + ":2: '99' is not an action index in [0, 23)")
        expect_error("missing action file", run(spur, "--seed", "1,2", "--action-file", "/nonexistent", "--out", out), "/nonexistent")
        cfg = os.path.join(d, "c.yaml")
        with open(cfg, "w") as f:
            f.write("env:\n  nethack:\n    max_episode_step: 10\n")
        expect_error("config typo", run(spur, "--config", cfg, *base), cfg + ": env.nethack.max_episode_step: unknown key")
        expect_error("override type", run(spur, *base, "env.nethack.spawn_monsters=often"),
                     "command-line override env.nethack.spawn_monsters", "expected true or false")
        expect_error("unwritable output", run(spur, "--seed", "1,2", "--random", "5", "--out", "/nonexistent/x.jsonl"), "cannot open for writing")

        # ALFWorld: a game file played with commands (one per line), or random admissible ones.
        repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        game = os.path.join(repo, "tests", "data", "alfworld", "games", "generated_pick_two_obj_and_place", "game.tw-pddl")
        walkthrough = json.load(open(game))["walkthrough"]
        cmds = os.path.join(d, "cmds.txt")
        with open(cmds, "w") as f:
            f.write("dance\n" + "".join(c + "\n" for c in walkthrough))
        r = run(spur, "--env", "alfworld", "--game", game, "--action-file", cmds, "--out", out)
        lines = [json.loads(l) for l in open(out)] if r.returncode == 0 else []
        CHECKS[0] += 1
        ok = (len(lines) == len(walkthrough) + 2 and lines[0]["observation"].startswith("-= Welcome to TextWorld, ALFRED! =-")
              and lines[1]["observation"] == "Nothing happens." and not lines[1]["valid"] and lines[1]["moves"] == 0
              and lines[-1]["won"] and lines[-1]["reward"] == 1 and all(l["valid"] for l in lines[2:])
              and all(l["action"] in lines[i]["admissible"] for i, l in enumerate(lines[2:], 1)))
        print("%s alfworld: an invalid command, then the walkthrough wins (%d lines)" % ("ok  " if ok else "FAIL", len(lines)))
        if not ok:
            FAILED.append("alfworld walkthrough")
            print(r.stderr[-1500:])
        r1 = run(spur, "--env", "alfworld", "--game", game, "--random", "30", "--seed", "4", "--out", out)
        a = open(out).read() if r1.returncode == 0 else "1"
        r2 = run(spur, "--env", "alfworld", "--game", game, "--random", "30", "--seed", "4", "--out", out)
        b = open(out).read() if r2.returncode == 0 else "2"
        CHECKS[0] += 1
        ok = a == b and len(a.splitlines()) >= 2
        print("%s alfworld: --random N --seed S is reproducible" % ("ok  " if ok else "FAIL"))
        if not ok:
            FAILED.append("alfworld random")
        expect_error("alfworld without --game", run(spur, "--env", "alfworld", "--random", "3", "--out", out), "needs --game PATH")
        bad = os.path.join(d, "bad.tw-pddl")
        with open(bad, "w") as f:
            json.dump({"pddl_domain": "(define (domain alfred) (:action a :parameters () :precondition (at 1 (p)) :effect ()))",
                       "grammar": "", "pddl_problem": "(define (problem x) (:domain alfred) (:goal ()))"}, f)
        expect_error("alfworld: an unknown PDDL construct names the file and the construct",
                     run(spur, "--env", "alfworld", "--game", bad, "--random", "3", "--out", out),
                     bad + ": pddl_domain:1", "unsupported PDDL construct in a condition: (at 1 (p))")
        expect_error("alfworld: a missing game file", run(spur, "--env", "alfworld", "--game", os.path.join(d, "nope.tw-pddl"), "--random", "3", "--out", out),
                     "nope.tw-pddl: cannot read the game file")
        expect_error("alfworld: --seed must be one integer", run(spur, "--env", "alfworld", "--game", game, "--random", "3", "--seed", "1,2", "--out", out),
                     "expected a non-negative integer")
    print("%d passed, %d failed" % (CHECKS[0] - len(FAILED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
