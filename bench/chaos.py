"""Chaos soak: real training runs while roles are killed with SIGKILL and the disk fills up.

`./spur bench chaos [--minutes M] [--envs nethack,alfworld,search]` runs, for each env, `spur train` with
ONI-Retrieval labels from the rules backend and 2 actors, and meanwhile:
  - every --kill-every seconds kills a random actor, the llm_server or the reward learner (spur train restarts them);
  - a few times kills the learner, which ends `spur train`; the driver runs the same command again (resume);
  - once fills the run's disk (a small tmpfs, when run as root) for a while, then frees it;
  - finally stops killing, stops the run with SIGINT and runs it again to a frame target: it must finish.
Then it checks and prints one table per env and the totals:
  frames trained (the final summary) and frames generated (the actors' logs); labels requested (the llm_server's
  TensorBoard) and stored (labels.sqlite); labels lost (labels the reward learner holds in its newest checkpoint
  that the store does not, or with another value: the store writes before it replies, so this must be 0);
  checkpoints that do not load (every learner checkpoint through `spur eval`, every reward-model state as JSON);
  counters that went backwards across restarts (the learner's "resumed from ... (update N" lines); TensorBoard
  event files that do not read; processes of the run left behind after the last `spur train` exited.
The last line: RESULT labels_lost=N torn_checkpoints=N orphans=N run_completed=0|1.
"""

import argparse
import glob
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROLES = ("actor", "llm-server", "reward-learner")


def log(msg):
    print("[chaos %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run_processes(run_dir):
    """pid -> (role, cmdline) of every process whose command line names the run directory."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
        except OSError:
            continue
        argv = [a.decode(errors="replace") for a in argv if a]
        if run_dir not in argv:
            continue
        role = next((r for r in ROLES + ("learner", "train") if r in argv[1:3]), "other")
        out[int(pid)] = (role, " ".join(argv)[:160])
    return out


def env_setup(env, spur, repo, data):
    """The config and overrides of one env's run (small networks; data generated once outside the quota)."""
    small = ["model.hidden_size=64", "model.encoder_width=64"]
    rules = "llm.rules=[{pattern: '.', label: helpful}]"
    common = ["reward.type=retrieval", "reward.int_coeff=0.1", "llm.backend=rules", rules, "actors.processes=2",
              "run.checkpoint_interval_s=3", "run.progress_interval_s=2", "actors.restart_backoff_s=0.2", "run.max_failures_in_a_row=0"]
    if env == "nethack":
        return "ci_tiny.yaml", common
    if env == "alfworld":
        games = os.path.join(data, "alfworld_games")
        return "alfworld.yaml", common + small + ["env.alfworld.data_dir=" + games, "env.alfworld.generate_games=12", "model.text_vocab=4096",
                                                  "learner.rollout=10", "learner.batch_size=160", "actors.envs_per_process=8"]
    if env == "search":
        world = os.path.join(data, "search_world")
        return "search.yaml", common + small + ["env.search.data_dir=" + world, "env.search.generate_entities=300", "model.text_vocab=4096",
                                                "learner.rollout=10", "learner.batch_size=160", "actors.envs_per_process=8"]
    raise SystemExit("unknown env %r (nethack, alfworld, search)" % env)


class Soak:
    def __init__(self, args, env, root, quota):
        self.args, self.env, self.quota = args, env, quota
        self.config, self.overrides = env_setup(env, args.spur, args.repo, os.path.join(root, "data"))
        self.runs = quota or os.path.join(root, "runs")
        self.run = os.path.join(self.runs, env)
        self.sessions = 0
        self.kills = {}
        self.train_log = open(os.path.join(root, "train-%s.log" % env), "a")
        self.train_exits_while_full = 0

    def start(self, *extra):
        self.sessions += 1
        cmd = [self.args.spur, "--log-level", "warn", "train", os.path.join(self.args.repo, "configs", self.config), "run.dir=" + self.runs,
               "run.name=" + self.env] + self.overrides + list(extra)
        self.train_log.write("\n=== session %d: %s\n" % (self.sessions, " ".join(cmd)))
        self.train_log.flush()
        return subprocess.Popen(cmd, stdout=self.train_log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill_one(self, include_learner):
        procs = run_processes(self.run)
        victims = [(pid, role) for pid, (role, _) in procs.items() if role in ROLES or (include_learner and role == "learner")]
        if not victims:
            return None
        pid, role = random.choice(victims)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        self.kills[role] = self.kills.get(role, 0) + 1
        return role

    def fill_disk(self, seconds):
        filler = os.path.join(self.quota, "filler")
        written = 0
        try:
            with open(filler, "wb") as f:
                chunk = b"\0" * (1 << 20)
                while True:
                    f.write(chunk)
                    written += len(chunk)
        except OSError:
            pass
        log("%s: disk full (%d MiB filler) for %d s" % (self.env, written >> 20, seconds))
        return filler

    def soak(self, seconds):
        deadline = time.time() + seconds
        learner_kills_left = self.args.learner_kills
        learner_kill_times = sorted(time.time() + seconds * (i + 1) / (learner_kills_left + 2) for i in range(learner_kills_left))
        fill_at = time.time() + seconds * 0.45 if self.quota else None
        filler, filled_until = None, 0
        p, started = self.start("run.total_frames=0"), time.time()
        while time.time() < deadline:
            time.sleep(self.args.kill_every * random.uniform(0.5, 1.5))
            if filler and time.time() > filled_until:
                os.remove(filler)
                filler = None
                log("%s: disk freed" % self.env)
            if p.poll() is not None:
                if filler:
                    self.train_exits_while_full += 1
                elif p.returncode == 2 and time.time() - started < 10:
                    # Refused at start with the disk free: a configuration error, not chaos.
                    raise SystemExit("%s: spur train refuses to start (see %s)" % (self.env, self.train_log.name))
                log("%s: spur train exited (%s); running it again" % (self.env, p.returncode))
                p, started = self.start("run.total_frames=0"), time.time()
                time.sleep(2)
                continue
            if fill_at and time.time() > fill_at:
                fill_at = None
                filler, filled_until = self.fill_disk(self.args.full_seconds), time.time() + self.args.full_seconds
                continue
            if learner_kill_times and time.time() > learner_kill_times[0]:
                learner_kill_times.pop(0)
                procs = run_processes(self.run)
                pids = [pid for pid, (role, _) in procs.items() if role == "learner"]
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    self.kills["learner"] = self.kills.get("learner", 0) + 1
                    log("%s: killed the learner" % self.env)
                continue
            role = self.kill_one(False)
            if role:
                log("%s: killed %s" % (self.env, role))
        if filler:
            os.remove(filler)
        # Chaos over: stop as a user would (Ctrl-C), then run to a frame target past where it is.
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGINT)
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        frames = max([self.summary().get("frames", 0)] + self.logged_frames())
        target = frames + self.args.final_frames
        log("%s: chaos over at %d frames; finishing to %d" % (self.env, frames, target))
        p = self.start("run.total_frames=%d" % target)
        try:
            p.wait(timeout=self.args.finish_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        self.final_rc = p.returncode
        time.sleep(2)  # children reaped by spur train's shutdown; anything left now is an orphan

    def logged_frames(self):
        """Frame counts the learner logged (progress lines and resumes): where the run is, even
        when the last session was killed before it wrote summary.json."""
        path = os.path.join(self.run, "logs", "learner-0.log")
        text = open(path, errors="replace").read() if os.path.exists(path) else ""
        return [int(f) for f in re.findall(r"(\d+) frames", text) + re.findall(r"progress: frames (\d+)", text)]

    def summary(self):
        try:
            return json.load(open(os.path.join(self.run, "summary.json")))
        except (OSError, ValueError):
            return {}

    def check(self, spur):
        s = self.summary()
        row = {"env": self.env, "sessions": self.sessions, "kills": sum(self.kills.values()),
               "kills_by_role": ",".join("%s:%d" % kv for kv in sorted(self.kills.items()))}
        row["frames_trained"] = s.get("frames", 0)
        generated = 0
        for f in glob.glob(os.path.join(self.run, "logs", "actor-*.log")):
            generated += sum(int(m) for m in re.findall(r"stopping after (\d+) frames", open(f, errors="replace").read()))
        row["frames_generated"] = generated  # by actors that stopped cleanly (a SIGKILLed actor logs nothing)
        row["run_completed"] = int(self.final_rc == 0 and bool(s.get("finished")))

        # Labels: requested (llm_server TensorBoard, summed over its sessions), stored, lost.
        store = os.path.join(self.run, "labels.sqlite")
        stored = {}
        if os.path.exists(store):
            con = sqlite3.connect(store)
            stored = {item: label for item, label in con.execute("SELECT item, label FROM labels")}
            con.close()
        row["labels_stored"] = len(stored)
        row["labels_requested"] = int(tb_sum_of_last(os.path.join(self.run, "tb", "llm_server"), "annotator/items"))
        held, lost = 0, 0
        states = sorted(glob.glob(os.path.join(self.run, "checkpoints", "reward_model", "ckpt_*", "state.json")))
        torn = 0
        for path in states:
            try:
                state = json.load(open(path))
            except (OSError, ValueError):
                torn += 1
                continue
            if path == states[-1]:
                labels = state.get("labels", {})
                held = len(labels)
                lost = sum(1 for item, v in labels.items() if item not in stored or (stored[item] > 0) != (v > 0))
        row["labels_held"], row["labels_lost"] = held, lost

        # Learner checkpoints: each must load and play.
        for ckpt in sorted(glob.glob(os.path.join(self.run, "checkpoints", "ckpt-*.pt"))):
            r = subprocess.run([spur, "--log-level", "warn", "eval", self.run, "--checkpoint", ckpt, "--episodes", "1", "--max-steps", "5"],
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                torn += 1
                log("%s: checkpoint %s does not load: %s" % (self.env, ckpt, r.stderr.strip()[-300:]))
        row["torn_checkpoints"] = torn
        row["checkpoints_checked"] = len(glob.glob(os.path.join(self.run, "checkpoints", "ckpt-*.pt"))) + len(states)

        # Counters: every resume starts at or after the update the previous one started from.
        text = open(os.path.join(self.run, "logs", "learner-0.log"), errors="replace").read() if os.path.exists(os.path.join(self.run, "logs", "learner-0.log")) else ""
        resumed = [int(u) for u in re.findall(r"resumed from \S+ \(update (\d+)", text)]
        row["resumes"] = len(resumed)
        row["counters_backwards"] = sum(1 for a, b in zip(resumed, resumed[1:]) if b < a) + int(bool(resumed) and s.get("updates", 0) < resumed[-1])

        # TensorBoard: every event file of every role reads.
        bad_tb = 0
        for d in sorted(glob.glob(os.path.join(self.run, "tb", "*"))):
            try:
                from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
                acc = EventAccumulator(d)
                acc.Reload()
                if not acc.Tags()["scalars"]:
                    bad_tb += 1
            except Exception as e:  # noqa: BLE001 - any reader failure is what we count
                log("%s: TensorBoard %s does not read: %s" % (self.env, d, e))
                bad_tb += 1
        row["tb_unreadable"] = bad_tb

        left = run_processes(self.run)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        row["orphans"] = len(left)
        if left:
            log("%s: left behind: %s" % (self.env, list(left.values())))
        row["train_exits_disk_full"] = self.train_exits_while_full
        return row


def tb_sum_of_last(tb_dir, tag):
    """A counter that restarts with its process: the sum over sessions of each session's last value."""
    total = 0.0
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        return 0.0
    for f in sorted(glob.glob(os.path.join(tb_dir, "events.out.tfevents.*"))):
        acc = EventAccumulator(f)
        try:
            acc.Reload()
        except Exception:  # noqa: BLE001 - counted by the TensorBoard row
            continue
        if tag in acc.Tags()["scalars"]:
            values = acc.Scalars(tag)
            total += values[-1].value if values else 0.0
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spur", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--minutes", type=float, default=30, help="total soak time, shared by the envs")
    ap.add_argument("--envs", default="nethack,alfworld,search")
    ap.add_argument("--kill-every", type=float, default=4.0, help="seconds between kills (randomised 0.5x..1.5x)")
    ap.add_argument("--learner-kills", type=int, default=2, help="learner kills per env")
    ap.add_argument("--full-seconds", type=float, default=10, help="how long the disk stays full")
    ap.add_argument("--quota-mb", type=int, default=256, help="size of the run's tmpfs")
    ap.add_argument("--final-frames", type=int, default=4000, help="frames to train after the chaos")
    ap.add_argument("--finish-timeout", type=float, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    args.spur, args.repo = os.path.abspath(args.spur), os.path.abspath(args.repo)
    random.seed(args.seed)
    envs = [e for e in args.envs.split(",") if e]
    root = tempfile.mkdtemp(prefix="spur-chaos-")
    quota = None
    if os.geteuid() == 0:
        quota = os.path.join(root, "quota")
        os.makedirs(quota)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm" % args.quota_mb, "tmpfs", quota], capture_output=True, text=True)
        if r.returncode != 0:
            log("no tmpfs quota (%s): the disk-full phase is skipped" % r.stderr.strip())
            quota = None
    else:
        log("not root: no tmpfs quota, the disk-full phase is skipped")
    rows = []
    try:
        per_env = args.minutes * 60 / len(envs)
        for env in envs:
            soak = Soak(args, env, root, quota)
            log("%s: soaking for %.0f s (run %s)" % (env, per_env, soak.run))
            soak.soak(per_env)
            rows.append(soak.check(args.spur))
            if quota:  # the next env gets the whole quota
                shutil.rmtree(soak.run, ignore_errors=True)
    finally:
        if quota:
            subprocess.run(["umount", "-l", quota])
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            log("work folder kept: " + root)

    cols = ["env", "sessions", "kills", "frames_generated", "frames_trained", "labels_requested", "labels_stored", "labels_held", "labels_lost",
            "checkpoints_checked", "torn_checkpoints", "resumes", "counters_backwards", "tb_unreadable", "train_exits_disk_full", "orphans", "run_completed"]
    print()
    print("chaos soak: %.1f min, kill every ~%.0f s, %d learner kills per env, disk full %s" %
          (args.minutes, args.kill_every, args.learner_kills, "%.0f s on a %d MiB tmpfs" % (args.full_seconds, args.quota_mb) if quota else "skipped"))
    print("  ".join("%s" % c for c in cols))
    for r in rows:
        print("  ".join(str(r[c]) for c in cols))
    for r in rows:
        print("kills %s: %s" % (r["env"], r["kills_by_role"]))
    lost = sum(r["labels_lost"] for r in rows)
    torn = sum(r["torn_checkpoints"] for r in rows)
    orphans = sum(r["orphans"] for r in rows)
    completed = int(bool(rows) and all(r["run_completed"] for r in rows))
    other = sum(r["counters_backwards"] + r["tb_unreadable"] for r in rows)
    print("RESULT labels_lost=%d torn_checkpoints=%d orphans=%d run_completed=%d" % (lost, torn, orphans, completed))
    return 0 if (lost == 0 and torn == 0 and orphans == 0 and completed and other == 0) else 1


if __name__ == "__main__":
    sys.exit(main())
