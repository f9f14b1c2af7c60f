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
    print("%d passed, %d failed" % (CHECKS[0] - len(FAILED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
