"""What a new user meets at the command line, through the real binary and the ./spur wrapper:
mistyped commands, --version, --help, error messages that name the right key and origin,
and refusals that say what to do. usage: cli_test.py --spur build/spur --repo ."""

import argparse
import os
import re
import subprocess
import sys
import tempfile

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print("%s %s" % ("ok  " if ok else "FAIL", name))
    if not ok and detail:
        print("   " + detail.replace("\n", "\n   "))


def run(cmd, timeout=120, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return r, r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spur", required=True)
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    spur, repo = os.path.abspath(args.spur), os.path.abspath(args.repo)
    wrapper = os.path.join(repo, "spur")
    # The wrapper builds into the folder of the binary under test (up to date: a no-op).
    wenv = dict(os.environ, SPUR_BUILD_DIR=os.path.dirname(spur))
    chain = os.path.join(repo, "configs", "ci_chain.yaml")

    r, out = run([spur, "trian", chain])
    check("a mistyped command is named, with the nearest one", r.returncode != 0 and "unknown command 'trian'" in out and "did you mean 'train'" in out, out)
    r, out = run([spur, "--log-level", "warn", "evl", "x"])
    check("... also after --log-level", r.returncode != 0 and "did you mean 'eval'" in out, out)
    r, out = run([spur, "--version"])
    check("--version prints the version (%s)" % out.strip(), r.returncode == 0 and re.match(r"spur \d+\.\d+\.\d+$", out.strip()), out)

    r, out = run([spur, "eval", "--help"])
    check("usage lines say ./spur, not the build path", r.returncode == 0 and "./spur eval" in out and os.path.dirname(spur) not in out, out[:400])
    r, out = run([spur, "eval"])
    check("a missing positional is named as the user writes it (RUN_DIR), not by an internal name", r.returncode != 0 and "RUN_DIR is required" in out
          and "run_dir" not in out, out)
    r, out = run([spur, "eval", chain, "--policy", "random", "--episodes", "0"])
    check("--episodes 0: 'must be at least 1'", r.returncode != 0 and "must be at least 1" in out and "1797693" not in out, out)

    # Overrides: the error names the key once and blames the command line, not the file.
    r, out = run([spur, "train", chain, "learner.learnig_rate=0.1", "--print-commands"])
    check("an unknown key in an override is named once", r.returncode != 0 and "command-line override learner.learnig_rate: unknown key" in out
          and "learnig_rate: learner.learnig_rate" not in out, out)
    r, out = run([spur, "train", chain, "env.name=nope", "--print-commands"])
    m = re.search(r"unknown env 'nope' \(valid: ([a-z, ]+)\)", out)
    envs = m.group(1).split(", ") if m else []
    readme = open(os.path.join(repo, "README.md")).read()
    row = next((l for l in readme.splitlines() if l.startswith("| `env` |")), "")
    names = re.search(r"`name` \[([^\]]*)\]", row)
    names = re.findall(r"[a-z]+", names.group(1)) if names else []
    check("an unknown env.name lists the envs once, and the README's env.name row names each (%s)" % envs,
          r.returncode != 0 and "command-line override env.name: unknown env" in out and len(envs) >= 5
          and all(e in names for e in envs), out + row[:300])
    with tempfile.TemporaryDirectory() as d:
        r, out = run([spur, "train", chain, "run.dir=" + d, "actors.processes=0", "--print-commands"])
        check("a bad value from an override is blamed on the override", r.returncode != 0 and "command-line override actors.processes: actors.processes must be at least 1" in out
              and chain + ":" not in out, out)

        # --print-commands gives lines a shell runs as they are, whatever the run directory holds.
        odd = os.path.join(d, "it's a dir")
        r, out = run([spur, "train", chain, "run.dir=" + odd, "run.name=x y", "--print-commands"])
        lines = [l for l in r.stdout.splitlines() if not l.startswith("#")]
        echoed = [subprocess.run(["bash", "-c", "printf '%s\\n' " + l.split(" ", 1)[1]], capture_output=True, text=True).stdout.splitlines() for l in lines]
        check("--print-commands quotes run directories with spaces and quotes (%d commands)" % len(lines),
              r.returncode == 0 and lines and all(e[e.index("--run-dir") + 1] == os.path.join(odd, "x y") for e in echoed if "--run-dir" in e), out)

        # --policy llm with nothing listening: one error that says which key to set, no header.
        r, out = run([spur, "eval", os.path.join(repo, "configs", "ci_pick.yaml"), "--policy", "llm", "--episodes", "1", "llm.openai.url=http://127.0.0.1:9"])
        check("--policy llm without a server names llm.openai.url and llm.local_server.model", r.returncode != 0 and "llm.openai.url=http://127.0.0.1:9" in out
              and "llm.local_server.model=smollm2" in out and "spur eval:" not in r.stdout, out)

    r, out = run([spur, "alfworld-generate", "--out", "/tmp/spur-cli-never", "--games", "1", "--task-types", "pick_and_plce"], timeout=300)
    check("--task-types with a typo lists the valid task types", r.returncode != 0 and "unknown task type 'pick_and_plce'" in out
          and "pick_and_place_simple" in out and "pick_two_obj_and_place" in out, out[-800:])

    # The wrapper: help in full, then the binary's commands; benches listed one way.
    r, out = run([wrapper, "--help"], env=wenv)
    check("./spur --help shows its whole comment block and then the binary's commands", r.returncode == 0 and "default build uses Debian's CPU LibTorch" in out
          and "Commands of the spur binary" in out and re.search(r"^\s+train\b", out, re.M) and "set -euo" not in out, out[-1500:])
    r1, out1 = run([wrapper, "bench"], env=wenv)
    r2, out2 = run([wrapper, "bench", "foo"], env=wenv)
    names = lambda s: re.search(r"NAME: ([a-z0-9_ ]+)\)", s).group(1).split() if re.search(r"NAME: ([a-z0-9_ ]+)\)", s) else None
    check("./spur bench and ./spur bench foo list the same benches (%s)" % names(out1), r1.returncode != 0 and r2.returncode != 0 and "unknown bench 'foo'" in out2
          and names(out1) and names(out1) == names(out2) and "train_nethack" in names(out1), out1 + out2)
    r, out = run([wrapper, "--version"], env=wenv, timeout=900)
    check("an up-to-date build prints no 'Built target' lines", r.returncode == 0 and "Built target" not in out and re.search(r"spur \d", out), out[-1500:])

    print("%d passed, %d failed" % (sum(RESULTS), len(RESULTS) - sum(RESULTS)))
    return 0 if RESULTS and all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
