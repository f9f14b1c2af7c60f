"""`spur train` end to end: real processes, real sockets, real TensorBoard reader.

  chain     the toy chain env is solved by the multi-process system (asserts on the return,
            never on time), and a run that cannot learn (learning rate 0) is not
  tb        the learner's event files load in TensorBoard's EventAccumulator
  yaml      a YAML error stops before any process starts and names the key
  resume    a run killed with SIGKILL resumes from its last checkpoint
  actor     a SIGKILLed actor is restarted while the learner keeps training
  nethack   a tiny NetHack run goes through the whole pipeline
  intrinsic intrinsic rewards from labels (offline, rules), and bad reward settings
  default   the embedded default (SmolLM2 on llama.cpp) stores labels
  errors    a role that fails on a filesystem error says which role and what; a child that
            keeps crashing ends the run, reported once with its log
  eval      spur eval plays the trained chain policy; spur plot draws the runs' curves
  mask      envs that mask actions (the chain with a wall, the candidate-action toy) train through
            the same actor, unroll and learner; the linear learning-rate schedule
  alfworld  ALFWorld: games generated on first use, the text policy trains through the generic
            pipeline with per-type TensorBoard metrics; spur eval with the network, random and
            LLM (a real llama.cpp server with SmolLM2) policies
  ranks     learner.world_size 2 (Gloo on CPU): the chain is solved, both ranks end with the same
            parameter digest, one TensorBoard; a SIGKILLed rank stops the run with an error naming
            it, and the relaunched run resumes from rank 0's checkpoint; bad rank settings
  curve     transport.curve over tcp: a run trains with every socket encrypted; an actor started
            with keys outside the run's allowlist is refused (logged), gets no parameters and
            sends nothing; a public bind without CURVE warns
  search    web search: a world generated on first use, the candidate policy trains on ReSeek's
            reward with EM/F1/judge metrics in TensorBoard; spur eval with the network, random,
            top-document and LLM (raw text turns through llama.cpp) policies; ONI labels of
            what a search retrieved

usage: train_test.py --spur build/spur --repo . [--only NAME,...] [--skip NAME,...]
"""

import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else "  -- " + detail))
    sys.stdout.flush()


def train(spur, repo, config, rundir, *overrides, timeout=600):
    cmd = [spur, "--log-level", "warn", "train", os.path.join(repo, "configs", config), "run.dir=" + rundir, *overrides]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def summary(rundir, name):
    with open(os.path.join(rundir, name, "summary.json")) as f:
        return json.load(f)


def test_chain(spur, repo, tmp):
    r = train(spur, repo, "ci_chain.yaml", tmp)
    s = summary(tmp, "ci_chain") if r.returncode == 0 else {}
    # optimal return 0.93 in 7 steps; a random walk rarely reaches the end in 30 steps
    check("chain: solved by the multi-process system (return %.3f, length %.1f after %s frames)" % (
        s.get("mean_return_100", 0), s.get("mean_length_100", 0), s.get("frames")),
        r.returncode == 0 and s["finished"] and s["mean_return_100"] >= 0.8 and s["mean_length_100"] <= 10,
        r.stdout[-2000:] + r.stderr[-2000:])
    r0 = train(spur, repo, "ci_chain.yaml", tmp, "run.name=frozen", "learner.learning_rate=0", "run.total_frames=20000")
    s0 = summary(tmp, "frozen") if r0.returncode == 0 else {}
    check("chain: without learning the return stays low (%.3f)" % s0.get("mean_return_100", 0),
          r0.returncode == 0 and s0["mean_return_100"] < 0.5, r0.stderr[-2000:])
    return tmp


def test_tb(spur, repo, tmp):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = glob.glob(os.path.join(tmp, "ci_chain", "tb", "learner", "events.out.tfevents.*"))
    acc = EventAccumulator(os.path.join(tmp, "ci_chain", "tb", "learner"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    want = {"episode/return", "episode/length", "episode/success_rate", "episode/position", "perf/fps_10s", "perf/fps_60s",
            "perf/policy_lag", "perf/queue_fill", "perf/dropped_malformed", "train/loss", "train/entropy", "train/grad_norm", "train/lr",
            "train/mean_rho", "train/mean_value", "train/approx_kl", "train/clip_fraction", "train/explained_variance"}
    returns = [e.value for e in acc.Scalars("episode/return")] if "episode/return" in tags else []
    config = acc.Tensors("config")[0].tensor_proto.string_val[0].decode() if "config" in acc.Tags()["tensors"] else ""
    check("tb: TensorBoard reads %d scalar tags, the return curve rises, the config is there" % len(tags),
          len(files) == 1 and want <= tags and len(returns) >= 2 and returns[-1] > returns[0] and "envs_per_process" in config,
          "files %s missing %s returns %s" % (files, want - tags, returns))


def test_yaml(spur, repo, tmp):
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=typo", "learner.learnig_rate=0.1")
    check("yaml: a bad key stops before any process starts",
          r.returncode != 0 and "learner.learnig_rate: unknown key" in r.stderr and not os.path.exists(os.path.join(tmp, "typo")),
          r.stderr)
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=batch", "learner.batch_size=100")
    check("yaml: an impossible batch size is refused before launch",
          r.returncode != 0 and "learner.batch_size (100) must be a multiple of" in r.stderr and not os.path.exists(os.path.join(tmp, "batch")),
          r.stderr)
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("env:\n  name: chain\n  chain:\n    length: many\n")
    r = subprocess.run([spur, "train", bad, "run.dir=" + tmp], capture_output=True, text=True)
    check("yaml: a wrong type names the file and the key", r.returncode != 0 and bad + ": env.chain.length: expected" in r.stderr, r.stderr)


def start(spur, repo, config, rundir, *overrides):
    cmd = [spur, "--log-level", "warn", "train", os.path.join(repo, "configs", config), "run.dir=" + rundir, *overrides]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_resume(spur, repo, tmp):
    run = os.path.join(tmp, "resume")
    ckpt = os.path.join(run, "checkpoints")
    p = start(spur, repo, "ci_chain.yaml", tmp, "run.name=resume", "run.total_frames=0", "run.checkpoint_interval_s=1")

    def updates_in_checkpoint():
        names = [n for n in os.listdir(ckpt)] if os.path.isdir(ckpt) else []
        nums = [int(m.group(1)) for n in names for m in [re.match(r"ckpt-(\d+)\.pt$", n)] if m]
        return max(nums) if nums and os.path.islink(os.path.join(ckpt, "latest")) else 0

    got = wait_for(lambda: updates_in_checkpoint() >= 20, 120)
    os.killpg(p.pid, signal.SIGKILL)  # launcher, learner and actors at once: a crash
    p.wait()
    last = os.path.realpath(os.path.join(ckpt, "latest"))
    n = int(re.search(r"ckpt-(\d+)\.pt$", last).group(1)) if got else -1
    earlier = [l for l in open(os.path.join(run, "logs", "learner-0.log")).read().splitlines() if "progress:" in l]
    # batch_size 256 frames per update: go on for 20 more updates
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=resume", "run.total_frames=%d" % ((n + 20) * 256))
    log = open(os.path.join(run, "logs", "learner-0.log")).read()
    s = summary(tmp, "resume") if r.returncode == 0 else {}
    check("resume: SIGKILLed at update %d, the rerun continues from it (now %s updates)" % (n, s.get("updates")),
          got and r.returncode == 0 and ("(update %d," % n) in log and s["updates"] == n + 20 and "(resuming)" in r.stdout,
          r.stdout[-1000:] + r.stderr[-1000:])
    shown = [l for l in r.stdout.splitlines() if "progress:" in l]
    check("resume: the rerun shows only its own progress lines (%d shown, %d from the earlier session in the log)" % (len(shown), len(earlier)),
          earlier and shown and not set(shown) & set(earlier), r.stdout[-1500:])


def digests(run):
    """{rank: (update, digest)} from the learner logs' last 'parameters digest' lines."""
    out = {}
    for path in glob.glob(os.path.join(run, "logs", "learner-*.log")):
        for m in re.finditer(r"rank (\d+) of \d+ at update (\d+): parameters digest ([0-9a-f]+)", open(path).read()):
            out[int(m.group(1))] = (int(m.group(2)), m.group(3))
    return out


def test_ranks(spur, repo, tmp):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=ranks", "learner.world_size=2", "actors.processes=4")
    s = summary(tmp, "ranks") if r.returncode == 0 else {}
    d = digests(os.path.join(tmp, "ranks"))
    tb_dirs = sorted(os.listdir(os.path.join(tmp, "ranks", "tb"))) if os.path.isdir(os.path.join(tmp, "ranks", "tb")) else []
    acc = EventAccumulator(os.path.join(tmp, "ranks", "tb", "learner"))
    acc.Reload()
    frames = [e.step for e in acc.Scalars("train/loss")] if "train/loss" in acc.Tags()["scalars"] else []
    check("ranks: 2 Gloo ranks solve the chain (return %.3f after %s frames, %s updates), digests %s"
          % (s.get("mean_return_100", 0), s.get("frames"), s.get("updates"), d),
          r.returncode == 0 and s.get("finished") and s["mean_return_100"] >= 0.8 and len(d) == 2 and d[0] == d[1] and d[0][0] == s["updates"]
          # each update trains on both ranks' batches: 2 x 256 frames
          and s["frames"] == s["updates"] * 512 and tb_dirs == ["learner"] and frames and max(frames) == s["frames"],
          r.stdout[-1500:] + r.stderr[-1500:])

    # A rank that dies stops the run with an error naming it; the relaunch resumes.
    run = os.path.join(tmp, "ranks_kill")
    ckpt = os.path.join(run, "checkpoints")
    p = start(spur, repo, "ci_chain.yaml", tmp, "run.name=ranks_kill", "learner.world_size=2", "run.total_frames=0", "run.checkpoint_interval_s=1")

    def rank1_pid():
        out = subprocess.run(["pgrep", "-f", "learner --run-dir %s --rank 1" % run], capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else None

    def checkpointed_update():
        last = os.path.realpath(os.path.join(ckpt, "latest")) if os.path.islink(os.path.join(ckpt, "latest")) else ""
        m = re.search(r"ckpt-(\d+)\.pt$", last)
        return int(m.group(1)) if m else -1

    # Killed after some training: a checkpoint of update 0 can come before the first update.
    got = wait_for(lambda: checkpointed_update() >= 5 and rank1_pid() is not None, 120)
    if got:
        time.sleep(1.0)
        os.kill(rank1_pid(), signal.SIGKILL)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    last = os.path.realpath(os.path.join(ckpt, "latest")) if os.path.islink(os.path.join(ckpt, "latest")) else ""
    n = int(re.search(r"ckpt-(\d+)\.pt$", last).group(1)) if last else -1
    check("ranks: a SIGKILLed rank 1 ends the run with an error naming it (rc %s); rank 0 checkpointed update %d" % (p.returncode, n),
          got and p.returncode != 0 and "learner rank 1 killed by signal" in err and "resume" in err and n > 0, err[-1500:])
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=ranks_kill", "learner.world_size=2", "run.total_frames=%d" % ((n + 10) * 512))
    log = open(os.path.join(run, "logs", "learner-1.log")).read() if os.path.exists(os.path.join(run, "logs", "learner-1.log")) else ""
    s = summary(tmp, "ranks_kill") if r.returncode == 0 else {}
    d = digests(run)
    check("ranks: the relaunched run resumes both ranks from update %d (now %s updates, digests %s)" % (n, s.get("updates"), d),
          r.returncode == 0 and "(resuming)" in r.stdout and ("(update %d," % n) in log and s.get("updates") == n + 10 and len(d) == 2 and d[0] == d[1],
          r.stdout[-1000:] + r.stderr[-1000:])

    for overrides, needle in [(["learner.world_size=3"], "actors.processes (2) must be at least learner.world_size (3)"),
                              (["learner.world_size=0"], "learner.world_size must be at least 1"),
                              (["learner.world_size=2", "transport.unroll_address=tcp://127.0.0.1:*"], "needs a numeric port"),
                              (["learner.device=cuda:99"], "learner.device: 'cuda:99'"),
                              (["learner.device=tpu"], "learner.device: 'tpu' (valid: cpu, cuda, cuda:N)"),
                              (["reward.type=classification", "reward.int_coeff=0.1", "llm.backend=rules", "reward.device=cuda:99"], "reward.device: 'cuda:99'")]:
        r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=ranks_bad", *overrides)
        check("ranks: %s is refused before launch naming '%s'" % (" ".join(overrides), needle),
              r.returncode != 0 and needle in r.stderr and not os.path.exists(os.path.join(tmp, "ranks_bad")), r.stderr[-800:])


def test_curve(spur, repo, tmp):
    import socket

    def port():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        return p

    addrs = ["transport.%s_address=tcp://127.0.0.1:%d" % (k, port()) for k in ("unroll", "params")]
    run = os.path.join(tmp, "curve")
    p = start(spur, repo, "ci_chain.yaml", tmp, "run.name=curve", "transport.curve=true", "run.total_frames=0", *addrs)
    started = wait_for(lambda: os.path.exists(os.path.join(run, "checkpoints", "latest")) or
                       "progress:" in (open(os.path.join(run, "logs", "learner-0.log")).read() if os.path.exists(os.path.join(run, "logs", "learner-0.log")) else ""), 60)
    # A stranger: the run's config, its own keys (not in the run's allowlist).
    stranger = os.path.join(tmp, "curve_stranger")
    os.makedirs(stranger, exist_ok=True)
    os.makedirs(os.path.join(stranger, "keys"), exist_ok=True)
    subprocess.run([spur, "curve-keys", os.path.join(stranger, "keys", "run")], check=True, capture_output=True)
    with open(os.path.join(stranger, "keys", "run.pub")) as f:
        stranger_pub = f.read().strip()
    with open(os.path.join(stranger, "keys", "allowlist"), "w") as f:
        f.write(stranger_pub + "\n")
    with open(os.path.join(run, "curve", "run.pub")) as f, open(os.path.join(stranger, "keys", "server.pub"), "w") as g:
        g.write(f.read())
    # It knows the run's server key (as if copied), not its secret.
    config = re.sub(r"^(\s*)curve_dir: .*$", r"\1curve_dir: " + os.path.join(stranger, "keys"), open(os.path.join(run, "config.yaml")).read(), flags=re.M)
    with open(os.path.join(stranger, "config.yaml"), "w") as f:
        f.write(config)
    intruder = subprocess.Popen([spur, "actor", "--run-dir", stranger, "--rank", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = os.path.join(run, "logs", "learner-0.log")
    refused = wait_for(lambda: "refused a peer" in open(log).read(), 30)
    time.sleep(2)
    intruder.send_signal(signal.SIGTERM)
    iout, ierr = intruder.communicate(timeout=30)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    s = summary(tmp, "curve") if os.path.exists(os.path.join(run, "summary.json")) else {}
    text = open(log).read()
    check("curve: a run with every socket under CURVE trains (%s updates, return %.3f)" % (s.get("updates"), s.get("mean_return_100", 0)),
          started and s.get("updates", 0) > 5 and oct(os.stat(os.path.join(run, "curve", "run.key")).st_mode & 0o777) == "0o600", out[-800:] + err[-800:])
    check("curve: an actor with keys outside the allowlist is refused and logged, and got no parameters",
          refused and stranger_pub in text and "policy version" not in ierr + iout and s.get("dropped_malformed", 1) == 0,
          "refused %s; intruder: %s" % (refused, (iout + ierr)[-800:]))
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=curve_public", "run.total_frames=2000", "transport.unroll_address=tcp://0.0.0.0:%d" % port())
    warned = "not protected" in open(os.path.join(tmp, "curve_public", "logs", "learner-0.log")).read() if r.returncode == 0 else False
    check("curve: binding a public address without CURVE warns", r.returncode == 0 and warned, r.stderr[-800:])


def test_actor_restart(spur, repo, tmp):
    run = os.path.join(tmp, "restart")
    p = start(spur, repo, "ci_chain.yaml", tmp, "run.name=restart", "run.total_frames=150000", "actors.restart_backoff_s=0.5")
    pid_file = None

    def actor_pid():
        out = subprocess.run(["pgrep", "-f", "actor --run-dir %s --rank 0" % run], capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else None

    first = None
    if wait_for(lambda: actor_pid() is not None and os.path.exists(os.path.join(run, "logs", "actor-0.log")), 60):
        time.sleep(1.0)
        first = actor_pid()
        os.kill(first, signal.SIGKILL)
    restarted = wait_for(lambda: actor_pid() not in (None, first), 30)
    try:
        out, err = p.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    s = summary(tmp, "restart") if p.returncode == 0 else {}
    check("actor: a killed actor is restarted and training finishes",
          first is not None and restarted and p.returncode == 0 and s.get("finished") and "actor 0 killed by signal" in err,
          "first %s restarted %s rc %s err %s" % (first, restarted, p.returncode, err[-1000:]))


def test_nethack(spur, repo, tmp):
    r = train(spur, repo, "ci_tiny.yaml", tmp)
    s = summary(tmp, "ci_tiny") if r.returncode == 0 else {}
    check("nethack: a tiny NetHack run trains %s frames, %s episodes" % (s.get("frames"), s.get("episodes")),
          r.returncode == 0 and s["finished"] and s["frames"] >= 20000 and s["episodes"] > 0 and s["dropped_malformed"] == 0
          and "progress: frames" in r.stdout, r.stdout[-1500:] + r.stderr[-1500:])
    depth = tb_values(os.path.join(tmp, "ci_tiny"), "learner", "episode/depth") if r.returncode == 0 else []
    success = tb_values(os.path.join(tmp, "ci_tiny"), "learner", "episode/success_rate") if r.returncode == 0 else []
    check("nethack: episode/depth (last %s) and episode/success_rate reach TensorBoard" % (depth[-1:] or "none"),
          len(depth) > 0 and min(depth) >= 1 and len(success) > 0, "depth %s success %s" % (depth, success))
    # The trained tiny policy played by spur eval, recorded as ttyrecs.
    tty, out = os.path.join(tmp, "tiny_tty"), os.path.join(tmp, "tiny_episodes.jsonl")
    r = subprocess.run([spur, "eval", os.path.join(tmp, "ci_tiny"), "--episodes", "2", "--ttyrec", tty, "--out", out],
                       capture_output=True, text=True, timeout=600)
    lines = [json.loads(l) for l in open(out)] if r.returncode == 0 and os.path.exists(out) else []
    recorded = glob.glob(os.path.join(tty, "*.ttyrec3.bz2"))
    check("nethack: spur eval plays 2 episodes (depths %s), writes their ttyrecs (%d files) and the table"
          % ([l["metrics"].get("depth") for l in lines], len(recorded)),
          len(lines) == 2 and all(l["metrics"].get("depth", 0) >= 1 and l["length"] > 0 for l in lines) and len(recorded) >= 2
          and re.search(r"^depth\s", r.stdout, re.M) and "end status" in r.stdout, r.stdout[-1500:] + r.stderr[-1500:])


def tb_scalar_tags(rundir, role):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(os.path.join(rundir, "tb", role))
    acc.Reload()
    return acc.Tags()["scalars"]


def tb_values(rundir, role, tag):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(os.path.join(rundir, "tb", role))
    acc.Reload()
    return [e.value for e in acc.Scalars(tag)] if tag in acc.Tags()["scalars"] else []


def test_intrinsic(spur, repo, tmp):
    """ONI-Retrieval end to end with the rules backend: a rule that labels the empty message
    (NetHack's most common top line) helpful gives positive intrinsic rewards; a rule that
    matches nothing gives exactly zero. Also offline labels, and bad reward settings."""
    import sqlite3
    common = ["run.total_frames=30000", "reward.int_coeff=0.4", "llm.backend=rules", "llm.prompt=classify_score"]
    runs = {"hit": "llm.rules=[{pattern: '^$', label: helpful}]",
            "miss": "llm.rules=[{pattern: '^NO SUCH MESSAGE$', label: helpful}]"}
    for name, rule in runs.items():
        r = train(spur, repo, "ci_tiny.yaml", tmp, "run.name=retrieval_" + name, "reward.type=retrieval", rule, *common)
        rundir = os.path.join(tmp, "retrieval_" + name)
        vals = tb_values(rundir, "learner", "reward/intrinsic_mean") if r.returncode == 0 else []
        ext = tb_values(rundir, "learner", "reward/extrinsic_mean") if r.returncode == 0 else []
        store = os.path.join(rundir, "labels.sqlite")
        rows = sqlite3.connect(store).execute("SELECT label, COUNT(*) FROM labels GROUP BY label").fetchall() if os.path.exists(store) else []
        labels = dict(rows)
        if name == "hit":
            check("intrinsic: retrieval with a rule for the empty message: intrinsic mean max %.3f, labels %s"
                  % (max(vals or [0]), labels),
                  r.returncode == 0 and max(vals or [0]) > 0 and labels.get(1, 0) >= 1 and len(ext) > 0,
                  r.stdout[-1500:] + r.stderr[-1500:])
        else:
            check("intrinsic: retrieval with a rule that matches nothing: intrinsic all zero over %d points, %d labels stored"
                  % (len(vals), sum(labels.values())),
                  r.returncode == 0 and len(vals) > 0 and max(vals) == 0 and labels.get(0, 0) >= 1 and labels.get(1, 0) == 0,
                  r.stdout[-1500:] + r.stderr[-1500:])
    # A dead LLM backend only delays labels: training runs to its end, every intrinsic reward
    # is 0, and the annotator's counters say what happened.
    r = train(spur, repo, "ci_tiny.yaml", tmp, "run.name=dead_backend", "reward.type=retrieval", "reward.int_coeff=0.4", "llm.backend=openai",
              "llm.openai.url=http://127.0.0.1:9", "llm.prompt=classify_score", "llm.retry_base_s=0.2", "llm.retry_max_s=1", "run.total_frames=20000",
              "reward.max_waiting=20", "reward.request_items=8", "reward.requests_in_flight=1")
    rundir = os.path.join(tmp, "dead_backend")
    vals = tb_values(rundir, "learner", "reward/intrinsic_mean") if r.returncode == 0 else []
    errors = tb_values(rundir, "llm_server", "annotator/backend_errors") if r.returncode == 0 else []
    queued = tb_values(rundir, "llm_server", "annotator/queue_depth") if r.returncode == 0 else []
    waiting = tb_values(rundir, "reward_learner", "reward_model/waiting") if r.returncode == 0 else []
    dropped = tb_values(rundir, "reward_learner", "reward_model/dropped") if r.returncode == 0 else []
    check("intrinsic: a dead backend: training finished (%d intrinsic points, all 0), backend errors %d, queue depth %d; "
          "the reward learner's wait list stays within reward.max_waiting=20 (max %d, %d dropped)"
          % (len(vals), max(errors or [0]), max(queued or [0]), max(waiting or [0]), max(dropped or [0])),
          r.returncode == 0 and len(vals) > 0 and max(vals) == 0 and max(errors or [0]) > 0 and max(queued or [0]) > 0
          and len(waiting) > 0 and max(waiting) <= 20 and max(dropped or [0]) > 0,
          r.stdout[-1500:] + r.stderr[-1500:])
    # ONI-Classification and ONI-Ranking: the reward learner trains a network on the rules'
    # labels and publishes its scores; the learner applies them. Every non-empty message is
    # "helpful" (ranking: preferred over the empty one). Small batches and a higher learning
    # rate so that a short run trains.
    fast = ["reward.model_batch_size=32", "reward.model_lr=0.001", "reward.reevaluate_interval_s=1", "run.checkpoint_interval_s=5",
            "llm.rules=[{pattern: '.', label: helpful}]"]
    for kind, prompt in [("classification", "classify_score"), ("ranking", "rank_score")]:
        name = "neural_" + kind
        args = ["run.name=" + name, "reward.type=" + kind, "reward.int_coeff=0.4", "llm.backend=rules", "llm.prompt=" + prompt] + fast
        r = train(spur, repo, "ci_tiny.yaml", tmp, "run.total_frames=30000", *args)
        rundir = os.path.join(tmp, name)
        vals = tb_values(rundir, "learner", "reward/intrinsic_mean") if r.returncode == 0 else []
        size = tb_values(rundir, "reward_learner", "reward_model/dataset_size") if r.returncode == 0 else []
        steps = tb_values(rundir, "reward_learner", "reward_model/train_steps") if r.returncode == 0 else []
        acc = tb_values(rundir, "reward_learner", "reward_model/accuracy") if r.returncode == 0 else []
        ckpt = os.path.join(rundir, "checkpoints", "reward_model")
        latest = open(os.path.join(ckpt, "latest")).read().strip() if os.path.exists(os.path.join(ckpt, "latest")) else ""
        check("intrinsic: %s: intrinsic mean max |%.3f|, dataset %d, train steps %d, accuracy %.2f, checkpoint %s"
              % (kind, max([abs(v) for v in vals] or [0]), max(size or [0]), max(steps or [0]), (acc or [0])[-1], latest or "none"),
              r.returncode == 0 and max([abs(v) for v in vals] or [0]) > 0 and max(size or [0]) > 0 and max(steps or [0]) > 0 and len(acc) > 0
              and os.path.exists(os.path.join(ckpt, latest, "state.json")) and os.path.exists(os.path.join(ckpt, latest, "model.pt")),
              r.stdout[-1500:] + r.stderr[-1500:])
        # Resume: the same command with a larger budget continues with the saved model and dataset.
        before = max(size or [0])
        r = train(spur, repo, "ci_tiny.yaml", tmp, "run.total_frames=40000", *args)
        log = open(os.path.join(rundir, "logs", "reward_learner-0.log")).read() if r.returncode == 0 else ""
        with open(os.path.join(ckpt, open(os.path.join(ckpt, "latest")).read().strip(), "state.json")) as f:
            state = json.load(f)
        after = len(state.get("labels", state.get("pairs", [])))
        check("intrinsic: %s resumes its reward model (dataset %d before, %d in the newest checkpoint)" % (kind, before, after),
              r.returncode == 0 and "resumed from" in log and after >= before > 0, log[-1500:] + r.stderr[-1500:])
    # offline labels: a JSON file message -> reward; no LLM involved.
    labels_file = os.path.join(tmp, "labels.json")
    with open(labels_file, "w") as f:
        json.dump({"": 1.0, "It's a wall.": "not_helpful"}, f)
    r = train(spur, repo, "ci_tiny.yaml", tmp, "run.name=offline", "reward.type=offline_labels",
              "reward.labels_file=" + labels_file, *common)
    vals = tb_values(os.path.join(tmp, "offline"), "learner", "reward/intrinsic_mean") if r.returncode == 0 else []
    check("intrinsic: offline labels reach the learner (intrinsic mean max %.3f)" % max(vals or [0]),
          r.returncode == 0 and max(vals or [0]) > 0, r.stdout[-1500:] + r.stderr[-1500:])
    # Bad settings stop before any process starts, naming the key.
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"x": [1]}')
    for overrides, needle in [(["reward.type=offline_labels", "reward.labels_file=" + bad, "reward.int_coeff=1"], "must be a number"),
                              (["reward.type=retrieval"], "reward.int_coeff"),
                              (["reward.type=retrieval", "reward.int_coeff=1", "llm.prompt=nope"], "nope"),
                              (["reward.type=ranking_magic", "reward.int_coeff=1"], "reward.type"),
                              (["reward.type=ranking", "reward.int_coeff=1", "llm.prompt=classify_score"], "llm.prompt"),
                              (["reward.type=classification", "reward.int_coeff=1", "reward.classifier_output=maybe"], "reward.classifier_output")]:
        r = train(spur, repo, "ci_tiny.yaml", tmp, "run.name=bad", *overrides)
        check("intrinsic: %s is refused naming '%s'" % (overrides[0], needle),
              r.returncode != 0 and needle in r.stderr and not os.path.exists(os.path.join(tmp, "bad", "logs", "learner-0.log")),
              r.stderr[-800:])


def train_until_labels(cmd, store, query, settle_s=0, seconds=300):
    """Runs `spur train` (cmd) until the label store answers `query` with a row (at most
    `seconds`), waits `settle_s` more, then stops it as a user would (Ctrl-C). Returns the
    rows and the finished process."""
    import sqlite3
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rows, deadline = [], time.time() + seconds
    while time.time() < deadline and p.poll() is None:
        time.sleep(2)
        try:
            rows = sqlite3.connect(store).execute(query).fetchall() if os.path.exists(store) else []
        except sqlite3.Error:
            rows = []
        if rows:
            time.sleep(settle_s)
            break
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    return rows, subprocess.CompletedProcess(cmd, p.returncode, out, err)


def test_default(spur, repo, tmp):
    """The embedded default as shipped (configs/nethack_score.yaml, only its network and
    batch made small): spur train starts a local llama.cpp server with SmolLM2 from the venv,
    the llm_server reaches it through the openai backend, and its labels land in the store.
    A missing local model is refused before launch, naming the key."""
    small = ["model.hidden_size=64", "model.crop_size=5", "model.char_embedding=8", "model.color_embedding=4", "model.conv_channels=8",
             "model.encoder_width=32", "learner.rollout=16", "learner.batch_size=256", "actors.envs_per_process=8", "run.progress_interval_s=2"]
    # Runs until SmolLM2's first labels are stored (a 135M model on one niced thread takes
    # tens of seconds per batch), then stops it as a user would (Ctrl-C); 300 s at most.
    rundir = os.path.join(tmp, "default")
    store = os.path.join(rundir, "labels.sqlite")
    cmd = [spur, "--log-level", "warn", "train", os.path.join(repo, "configs", "nethack_score.yaml"), "run.dir=" + tmp, "run.name=default",
           "run.total_frames=0", *small]
    # 12 s after the first labels: a few progress lines with the labels applied.
    rows, r = train_until_labels(cmd, store, "SELECT model, label, COUNT(*) FROM labels GROUP BY model, label", settle_s=12)
    llama_log = os.path.join(rundir, "logs", "llama_server-0.log")
    served = os.path.exists(llama_log) and "POST /v1/chat/completions" in open(llama_log, errors="replace").read()
    vals = tb_values(rundir, "learner", "reward/intrinsic_mean") if r.returncode == 0 else []
    check("default: nethack_score.yaml serves SmolLM2 locally and stores its labels (%s), llama.cpp answered chat calls: %s, %d intrinsic points"
          % (rows, served, len(vals)),
          r.returncode == 0 and served and sum(n for m, _, n in rows if m == "SmolLM2-135M-Instruct") >= 1 and len(vals) > 0,
          r.stdout[-1500:] + r.stderr[-1500:] + (open(llama_log, errors="replace").read()[-1500:] if os.path.exists(llama_log) else ""))
    r = train(spur, repo, "nethack_score.yaml", tmp, "run.name=bad_local", "llm.local_server.model=/no/such/model.gguf", *small)
    check("default: a missing local model is refused naming llm.local_server.model",
          r.returncode != 0 and "llm.local_server.model" in r.stderr and not os.path.exists(os.path.join(tmp, "bad_local", "logs", "learner-0.log")),
          r.stderr[-800:])


def test_eval(spur, repo, tmp):
    # The chain run of test_chain, played greedily: every episode reaches the end.
    run = os.path.join(tmp, "ci_chain")
    out = os.path.join(tmp, "chain_episodes.jsonl")
    r = subprocess.run([spur, "eval", run, "--episodes", "20", "--greedy", "--out", out], capture_output=True, text=True, timeout=300)
    lines = [json.loads(l) for l in open(out)] if r.returncode == 0 and os.path.exists(out) else []
    ok = len(lines) == 20 and all(l["success"] and l["end_status"] == "TASK_SUCCESSFUL" and "position" in l["metrics"] for l in lines)
    check("eval: the trained chain policy, greedy, succeeds in %d/20 episodes; the table has return/success/position rows" % sum(l["success"] for l in lines),
          r.returncode == 0 and ok and re.search(r"^success\s+1\.000", r.stdout, re.M) and re.search(r"^position\s+7\.000", r.stdout, re.M)
          and "TASK_SUCCESSFUL 20 (100%)" in r.stdout, r.stdout[-1500:] + r.stderr[-1500:])
    r = subprocess.run([spur, "eval", run, "--episodes", "3", "--ttyrec", os.path.join(tmp, "tty")], capture_output=True, text=True, timeout=120)
    check("eval: --ttyrec on an env without ttyrecs is refused naming the env", r.returncode != 0 and "env 'chain' does not record ttyrecs" in r.stderr,
          r.stderr[-800:])
    r = subprocess.run([spur, "eval", run, "--checkpoint", os.path.join(tmp, "nope.pt")], capture_output=True, text=True, timeout=120)
    check("eval: a missing checkpoint is refused naming it", r.returncode != 0 and "nope.pt" in r.stderr, r.stderr[-800:])

    png = os.path.join(tmp, "curves.png")
    r = subprocess.run([spur, "plot", run, os.path.join(tmp, "frozen"), "--out", png], capture_output=True, text=True, timeout=300)
    head = open(png, "rb").read(8) if os.path.exists(png) else b""
    check("plot: two runs' curves on one PNG (%s)" % r.stdout.strip(), r.returncode == 0 and head == b"\x89PNG\r\n\x1a\n" and "2 runs" in r.stdout,
          r.stdout[-800:] + r.stderr[-800:])
    png = os.path.join(tmp, "new", "folder", "x.png")
    r = subprocess.run([spur, "plot", run, "--out", png], capture_output=True, text=True, timeout=300)
    check("plot: --out into a folder that does not exist yet creates it", r.returncode == 0 and os.path.exists(png) and "Traceback" not in r.stderr,
          r.stdout[-800:] + r.stderr[-800:])
    cwd = os.path.join(tmp, "plot_cwd")
    os.makedirs(cwd, exist_ok=True)
    r = subprocess.run([spur, "plot", run], capture_output=True, text=True, timeout=300, cwd=cwd)
    check("plot: without --out the PNG goes into the run directory", r.returncode == 0 and os.path.exists(os.path.join(run, "curves.png"))
          and not os.listdir(cwd), r.stdout[-800:] + r.stderr[-800:])


def test_errors(spur, repo, tmp):
    # A filesystem error inside a role (its checkpoints folder is a file, so the checkpoint
    # at stop cannot be written) ends it with a line naming the role and the path, not with
    # std::terminate.
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=fserr", "--print-commands")
    run = os.path.join(tmp, "fserr")
    ok = r.returncode == 0 and os.path.exists(os.path.join(run, "config.yaml"))
    if ok:
        with open(os.path.join(run, "checkpoints"), "w") as f:
            f.write("not a folder")
        p = subprocess.Popen([spur, "learner", "--run-dir", run], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        check("errors: a filesystem error in the learner ends it with 'spur learner: error: ...' naming the path (rc %s)" % p.returncode,
              p.returncode == 1 and "spur learner: error: filesystem error" in err and "checkpoints" in err, err[-1500:])
    else:
        check("errors: --print-commands prepares a run directory", False, r.stderr[-800:])

    # A child that can never run (here the local LLM server, given a file that is no model)
    # is restarted a few times, then the run stops with one report and the log's last lines.
    bad = os.path.join(tmp, "garbage.gguf")
    with open(bad, "wb") as f:
        f.write(b"this is not a gguf model" * 100)
    r = train(spur, repo, "ci_tiny.yaml", tmp, "run.name=crashloop", "reward.type=retrieval", "reward.int_coeff=0.1",
              "llm.backend=openai", "llm.local_server.model=" + bad, "run.max_failures_in_a_row=3", "actors.restart_backoff_s=0.2",
              "run.total_frames=0", timeout=300)
    report = [l for l in r.stderr.splitlines() if "failed 3 times in a row" in l]
    check("errors: a crash-looping llama_server is reported once with its log and ends the run (rc %s)" % r.returncode,
          r.returncode == 1 and len(report) == 1 and "llama_server 0" in report[0] and "Last lines of" in r.stderr
          and r.stderr.count("restarting in") == 2, r.stderr[-2500:])


def test_mask(spur, repo, tmp):
    # The chain with LEFT masked at the wall: unrolls carry masks, the learner trains with
    # them, and the task is still solved; with the linear schedule the learning rate falls
    # towards 0 at run.total_frames.
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=masked", "env.chain.mask_wall=true", "learner.lr_schedule=linear",
              "run.progress_interval_s=0.5")
    s = summary(tmp, "masked") if r.returncode == 0 else {}
    check("mask: a masked-action env trains end to end (return %.3f, dropped %s)" % (s.get("mean_return_100", 0), s.get("dropped_malformed")),
          r.returncode == 0 and s["finished"] and s["dropped_malformed"] == 0 and s["mean_return_100"] >= 0.8, r.stderr[-2000:])
    r2 = train(spur, repo, "ci_pick.yaml", tmp)
    s2 = summary(tmp, "ci_pick") if r2.returncode == 0 else {}
    ep = s2.get("episode_100", {})
    check("mask: the candidate-action toy (2-4 candidates a step) is learned: success %.2f, wrong picks %.2f per episode"
          % (ep.get("success_rate", 0), ep.get("wrong_picks", -1)),
          r2.returncode == 0 and s2["dropped_malformed"] == 0 and ep.get("success_rate", 0) >= 0.9 and ep.get("wrong_picks", 9) < 0.3,
          r2.stderr[-2000:])
    lr = tb_values(os.path.join(tmp, "masked"), "learner", "train/lr") if r.returncode == 0 else []
    check("mask: learner.lr_schedule=linear decays the learning rate (%s)" % ", ".join("%.2g" % v for v in lr[:1] + lr[-1:]),
          len(lr) >= 2 and all(b <= a for a, b in zip(lr, lr[1:])) and lr[-1] < lr[0] <= 0.002 and lr[-1] < 0.1 * 0.002, str(lr))
    r = train(spur, repo, "ci_chain.yaml", tmp, "run.name=nolr", "learner.lr_schedule=linear", "run.total_frames=0")
    check("mask: a linear schedule without run.total_frames is refused before launch", r.returncode != 0 and "learner.lr_schedule" in r.stderr,
          r.stderr[-800:])


def test_alfworld(spur, repo, tmp):
    games = os.path.join(tmp, "alfworld_games")
    small = ["run.name=alfworld", "run.total_frames=12000", "run.progress_interval_s=1", "env.alfworld.data_dir=" + games,
             "env.alfworld.generate_games=24", "model.hidden_size=64", "model.encoder_width=64", "model.text_vocab=4096",
             "learner.rollout=10", "learner.batch_size=160", "actors.envs_per_process=8"]
    r = train(spur, repo, "alfworld.yaml", tmp, *small)
    s = summary(tmp, "alfworld") if r.returncode == 0 else {}
    n_games = len(glob.glob(os.path.join(games, "*", "*", "game.tw-pddl")))
    ep = s.get("episode_100", {})
    types = sorted(k.split("/", 1)[1] for k in ep if k.startswith("success/"))
    check("alfworld: 24 games generated on first use (%d), trained end to end (%s frames, %d task types seen, dropped %s)"
          % (n_games, s.get("frames"), len(types), s.get("dropped_malformed")),
          r.returncode == 0 and n_games == 24 and s["finished"] and s["dropped_malformed"] == 0 and len(types) >= 4 and "admissible" in ep,
          r.stdout[-1500:] + r.stderr[-2000:])
    tags = tb_scalar_tags(os.path.join(tmp, "alfworld"), "learner") if r.returncode == 0 else []
    check("alfworld: TensorBoard has success per task type (%s)" % ", ".join(t for t in tags if t.startswith("episode/success/")),
          sum(t.startswith("episode/success/") for t in tags) >= 4 and "episode/success_rate" in tags, str(tags))

    run = os.path.join(tmp, "alfworld")
    common = ["env.alfworld.game_order=cycle", "env.alfworld.max_steps=10"]
    r = subprocess.run([spur, "eval", run, "--episodes", "6", "--greedy", "--seed", "0", *common], capture_output=True, text=True, timeout=300)
    check("alfworld: spur eval plays the trained text policy (rows per task type)",
          r.returncode == 0 and re.search(r"^success/pick_and_place_simple\s", r.stdout, re.M) and "end status" in r.stdout,
          r.stdout[-1500:] + r.stderr[-1500:])
    cfg = os.path.join(repo, "configs", "alfworld.yaml")
    r = subprocess.run([spur, "eval", cfg, "--policy", "random", "--episodes", "6", "--seed", "0", "env.alfworld.data_dir=" + games, *common],
                       capture_output=True, text=True, timeout=300)
    check("alfworld: spur eval --policy random on a config file (no training run)",
          r.returncode == 0 and "uniform random valid actions" in r.stdout and re.search(r"^invalid_actions\s+0\.000", r.stdout, re.M),
          r.stdout[-1500:] + r.stderr[-1500:])
    # The LLM policy against a real OpenAI-compatible server: llama.cpp serving SmolLM2 (the
    # project venv's), started and stopped by spur eval. A 135M model mostly answers off-list;
    # those answers are played as invalid actions and counted.
    out = os.path.join(tmp, "llm_episodes.jsonl")
    r = subprocess.run([spur, "eval", cfg, "--policy", "llm", "--episodes", "1", "--seed", "0", "--out", out, "env.alfworld.data_dir=" + games,
                        "env.alfworld.game_order=cycle", "env.alfworld.max_steps=4", "llm.local_server.model=smollm2", "llm.openai.max_tokens=24"],
                       capture_output=True, text=True, timeout=600)
    lines = [json.loads(l) for l in open(out)] if r.returncode == 0 and os.path.exists(out) else []
    check("alfworld: spur eval --policy llm plays through a real llama.cpp server (%s steps, %s invalid answers)"
          % ([l["length"] for l in lines], [l["metrics"].get("invalid_actions") for l in lines]),
          r.returncode == 0 and len(lines) == 1 and lines[0]["length"] == 4 and "invalid_actions" in lines[0]["metrics"] and "LLM policy" in r.stdout,
          r.stdout[-1500:] + r.stderr[-2500:])
    # ONI on text: configs/alfworld_oni.yaml as shipped (network and batch made small) serves
    # SmolLM2, which labels "Task: ...\nObservation: ..." items with classify_alfworld.
    rundir = os.path.join(tmp, "alfworld_oni")
    store = os.path.join(rundir, "labels.sqlite")
    cmd = [spur, "--log-level", "warn", "train", os.path.join(repo, "configs", "alfworld_oni.yaml"), "run.dir=" + tmp, "run.total_frames=0",
           "env.alfworld.data_dir=" + games, *small[3:]]
    rows, p = train_until_labels(cmd, store, "SELECT item, label FROM labels LIMIT 5")
    out, err = p.stdout, p.stderr
    check("alfworld: ONI on text labels the task and the observation (%d labels, e.g. %r)" % (len(rows), rows[0][0][:70] if rows else None),
          p.returncode == 0 and len(rows) >= 1 and all(r[0].startswith("Task: ") and "\nObservation: " in r[0] for r in rows),
          out[-1000:] + err[-2000:])

    r = train(spur, repo, "alfworld.yaml", tmp, "run.name=alfworld_llm_actors", "actors.policy=llm", "env.alfworld.data_dir=" + games)
    check("alfworld: actors.policy=llm in training is refused before launch, pointing to spur eval",
          r.returncode != 0 and "spur eval --policy llm" in r.stderr, r.stderr[-800:])


def test_search(spur, repo, tmp):
    world = os.path.join(tmp, "search_world")
    small = ["run.name=search", "run.total_frames=8000", "run.progress_interval_s=1", "env.search.data_dir=" + world,
             "env.search.generate_entities=300", "model.hidden_size=64", "model.encoder_width=64", "model.text_vocab=4096",
             "learner.rollout=10", "learner.batch_size=160", "actors.envs_per_process=8"]
    r = train(spur, repo, "search.yaml", tmp, *small)
    s = summary(tmp, "search") if r.returncode == 0 else {}
    ep = s.get("episode_100", {})
    check("search: a world generated on first use (%s), trained end to end (%s frames; em %s, judge accuracy %s, searches %s)"
          % (os.path.exists(os.path.join(world, "corpus.jsonl")), s.get("frames"), ep.get("em"), ep.get("judge_accuracy"), ep.get("searches")),
          r.returncode == 0 and os.path.exists(os.path.join(world, "corpus.jsonl")) and os.path.exists(os.path.join(world, "corpus.jsonl.bm25"))
          and s["finished"] and s["dropped_malformed"] == 0 and all(k in ep for k in ("em", "f1", "searches", "invalid_turns", "answered")),
          r.stdout[-1500:] + r.stderr[-2000:])
    tags = tb_scalar_tags(os.path.join(tmp, "search"), "learner") if r.returncode == 0 else []
    check("search: TensorBoard has EM, F1, judge accuracy, searches and invalid turns",
          all(t in tags for t in ("episode/em", "episode/f1", "episode/judge_accuracy", "episode/searches", "episode/invalid_turns")), str(tags))

    run = os.path.join(tmp, "search")
    held_out = ["env.search.split=test", "env.search.question_order=cycle"]
    r = subprocess.run([spur, "eval", run, "--episodes", "8", "--greedy", "--seed", "0", *held_out], capture_output=True, text=True, timeout=300)
    check("search: spur eval plays the trained policy on the held-out world (em, f1 rows)",
          r.returncode == 0 and re.search(r"^em\s", r.stdout, re.M) and re.search(r"^f1\s", r.stdout, re.M), r.stdout[-1500:] + r.stderr[-1500:])
    cfg = os.path.join(repo, "configs", "search.yaml")
    evals = {}
    for policy in ("random", "top_document"):
        out = os.path.join(tmp, "search_%s.jsonl" % policy)
        r = subprocess.run([spur, "eval", cfg, "--policy", policy, "--episodes", "20", "--seed", "0", "--out", out, "env.search.data_dir=" + world,
                            *held_out], capture_output=True, text=True, timeout=300)
        lines = [json.loads(l) for l in open(out)] if r.returncode == 0 and os.path.exists(out) else []
        evals[policy] = sum(l["metrics"]["em"] for l in lines) / max(len(lines), 1)
        check("search: spur eval --policy %s on a config file (EM %.2f over %d held-out questions)" % (policy, evals[policy], len(lines)),
              r.returncode == 0 and len(lines) == 20, r.stdout[-1500:] + r.stderr[-1500:])
    # top_document always searches then answers: two turns, one search.
    lines = [json.loads(l) for l in open(os.path.join(tmp, "search_top_document.jsonl"))] if os.path.exists(os.path.join(tmp, "search_top_document.jsonl")) else []
    check("search: the top-document baseline searches once and answers",
          lines and all(l["length"] == 2 and l["metrics"]["searches"] == 1 and l["metrics"]["answered"] == 1 for l in lines), str(lines[:2]))
    # The LLM writes raw turns (ReSeek's protocol) to a real llama.cpp server with stop strings.
    out = os.path.join(tmp, "search_llm.jsonl")
    r = subprocess.run([spur, "eval", cfg, "--policy", "llm", "--episodes", "1", "--seed", "0", "--out", out, "env.search.data_dir=" + world,
                        *held_out, "env.search.max_turns=1", "llm.local_server.model=smollm2", "llm.openai.max_tokens=48"],
                       capture_output=True, text=True, timeout=600)
    lines = [json.loads(l) for l in open(out)] if r.returncode == 0 and os.path.exists(out) else []
    check("search: spur eval --policy llm writes raw turns through a real llama.cpp server (%s turns, metrics %s)"
          % ([l["length"] for l in lines], lines[0]["metrics"] if lines else None),
          r.returncode == 0 and len(lines) == 1 and 1 <= lines[0]["length"] <= 2 and "em" in lines[0]["metrics"] and "prompt policy_search" in r.stdout,
          r.stdout[-1500:] + r.stderr[-2500:])
    # ONI on search: SmolLM2 labels "Question: ...\nInformation: ..." items.
    rundir = os.path.join(tmp, "search_oni")
    store = os.path.join(rundir, "labels.sqlite")
    cmd = [spur, "--log-level", "warn", "train", os.path.join(repo, "configs", "search_oni.yaml"), "run.dir=" + tmp, "run.total_frames=0",
           "env.search.data_dir=" + world, *small[3:]]
    rows, p = train_until_labels(cmd, store, "SELECT item, label FROM labels LIMIT 5")
    check("search: ONI labels what a search retrieved given the question (%d labels, e.g. %r)" % (len(rows), rows[0][0][:70] if rows else None),
          p.returncode == 0 and len(rows) >= 1 and all(r[0].startswith("Question: ") and "\nInformation: " in r[0] for r in rows),
          p.stdout[-1000:] + p.stderr[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spur", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--skip", default="")
    args = ap.parse_args()
    tests = [("chain", test_chain), ("tb", test_tb), ("eval", test_eval), ("yaml", test_yaml), ("resume", test_resume),
             ("actor", test_actor_restart), ("nethack", test_nethack), ("intrinsic", test_intrinsic),
             ("default", test_default), ("errors", test_errors), ("mask", test_mask), ("alfworld", test_alfworld),
             ("search", test_search), ("ranks", test_ranks), ("curve", test_curve)]
    with tempfile.TemporaryDirectory(prefix="spur-train-test-") as tmp:
        for name, fn in tests:
            if args.only and name not in args.only.split(","):
                continue
            if name in args.skip.split(","):
                continue
            try:
                fn(os.path.abspath(args.spur), os.path.abspath(args.repo), tmp)
            except Exception as e:  # a crash of the test itself is a failure, not an error exit
                check(name, False, repr(e))
    failed = RESULTS.count(False)
    print("%d passed, %d failed" % (len(RESULTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
