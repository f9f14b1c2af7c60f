"""`spur launch slurm` against a real Slurm: Debian's slurm-wlm + munge, daemons started here,
the compute nodes as network namespaces on a bridge (each slurmd entered with nsenter --net,
so job steps run inside its namespace and reach each other over tcp like separate hosts).

  hetjob   learner ranks (2, Gloo) on node n1, actors on node n2, llm_server + reward learner
           (ONI-Retrieval, rules backend) on n3: trains to the end, writes TensorBoard, labels
           reach the learner, the ranks end bit-identical; every socket is tcp between namespaces,
           under CURVE (transport.curve)
  requeue  a running job requeued with scontrol resumes from its checkpoint (SLURM_RESTART_COUNT=1)
  errors   bad slurm.* settings are refused naming the key

Needs root (network namespaces, daemons). usage: slurm_test.py --spur build/spur --repo .
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

RESULTS = []
PREFIX = "spurt"          # namespaces spurt_n1.., bridge spurtbr0, veths spurtvh1..
NET = "10.79.0"           # nodes NET.1.., the head (slurmctld) NET.254
NODES = 3


def check(name, ok, detail=""):
    RESULTS.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else "  -- " + detail))
    sys.stdout.flush()


def sh(*cmd, check_rc=True, env=None, timeout=60):
    r = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=timeout)
    if check_rc and r.returncode != 0:
        raise RuntimeError("%s: %s %s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


def netns_down():
    for i in range(1, NODES + 1):
        ns = "%s_n%d" % (PREFIX, i)
        # Whatever still runs in a node (a role a job left behind) would keep it alive.
        for pid in sh("ip", "netns", "pids", ns, check_rc=False).stdout.split():
            sh("kill", "-9", pid, check_rc=False)
        sh("ip", "netns", "del", ns, check_rc=False)
    sh("ip", "link", "del", PREFIX + "br0", check_rc=False)


def netns_up():
    netns_down()
    br = PREFIX + "br0"
    sh("ip", "link", "add", br, "type", "bridge")
    sh("ip", "addr", "add", NET + ".254/24", "dev", br)
    sh("ip", "link", "set", br, "up")
    for i in range(1, NODES + 1):
        ns, host_end, ns_end = "%s_n%d" % (PREFIX, i), "%svh%d" % (PREFIX, i), "%svn%d" % (PREFIX, i)
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end)
        sh("ip", "link", "set", host_end, "master", br)
        sh("ip", "link", "set", host_end, "up")
        sh("ip", "link", "set", ns_end, "netns", ns)
        sh("ip", "-n", ns, "addr", "add", "%s.%d/24" % (NET, i), "dev", ns_end)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "link", "set", ns_end, "up")
        sh("ip", "-n", ns, "route", "add", "default", "via", NET + ".254")


class LocalSlurm:
    """munged, slurmctld (root namespace) and one slurmd per node namespace, all state in `base`."""

    def __init__(self, base):
        self.base = base
        for d in ("etc", "munge", "spool", "log", "run"):
            os.makedirs(os.path.join(base, d), exist_ok=True)
        self.conf = os.path.join(base, "etc", "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def start(self):
        b = self.base
        key = os.path.join(b, "munge", "munge.key")
        sh("mungekey", "-c", "-k", key)
        os.chmod(key, 0o400)
        os.chmod(os.path.join(b, "munge"), 0o755)
        sh("munged", "--force", "--key-file=" + key, "--socket=" + os.path.join(b, "munge", "socket"),
           "--pid-file=" + os.path.join(b, "run", "munged.pid"), "--log-file=" + os.path.join(b, "log", "munged.log"),
           "--seed-file=" + os.path.join(b, "munge", "seed"))
        cpus = os.cpu_count()
        mem = int(open("/proc/meminfo").read().split("MemTotal:")[1].split()[0]) // 1024 // (NODES + 1)
        nodes = "".join("NodeName=n%d NodeAddr=%s.%d CPUs=%d RealMemory=%d State=UNKNOWN\n" % (i, NET, i, cpus, mem) for i in range(1, NODES + 1))
        with open(self.conf, "w") as f:
            f.write("""ClusterName=spurtest
SlurmctldHost=%(host)s(%(net)s.254)
SlurmctldPort=16917
SlurmdPort=16918
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=%(b)s/munge/socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=%(b)s/spool/ctld
SlurmdSpoolDir=%(b)s/spool/d-%%n
SlurmctldPidFile=%(b)s/run/slurmctld.pid
SlurmdPidFile=%(b)s/run/slurmd-%%n.pid
SlurmctldLogFile=%(b)s/log/slurmctld.log
SlurmdLogFile=%(b)s/log/slurmd-%%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
MpiDefault=none
SwitchType=switch/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
JobRequeue=1
MessageTimeout=10
SlurmdTimeout=30
MinJobAge=300
KillWait=10
%(nodes)sPartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""" % {"host": os.uname().nodename.split(".")[0], "net": NET, "b": b, "nodes": nodes})
        sh("slurmctld", "-f", self.conf, "-c", env=self.env)
        for i in range(1, NODES + 1):
            os.makedirs(os.path.join(b, "spool", "d-n%d" % i), exist_ok=True)
            # nsenter --net, not `ip netns exec`: that remounts /sys and slurmd then finds no cgroup fs
            sh("nsenter", "--net=/var/run/netns/%s_n%d" % (PREFIX, i), "slurmd", "-f", self.conf, "-N", "n%d" % i, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            states = sh("sinfo", "-h", "-N", "-o", "%T", check_rc=False, env=self.env).stdout.split()
            if states.count("idle") >= NODES:
                return True
            time.sleep(0.5)
        return False

    def stop(self):
        for f in glob.glob(os.path.join(self.base, "run", "slurmd-*.pid")) + [os.path.join(self.base, "run", p) for p in ("slurmctld.pid", "munged.pid")]:
            try:
                pid = int(open(f).read().strip())
                os.kill(pid, 15)
                for _ in range(40):
                    os.kill(pid, 0)
                    time.sleep(0.25)
                os.kill(pid, 9)
            except (OSError, ValueError):
                pass

    def job_state(self, job):
        out = sh("scontrol", "show", "job", job, check_rc=False, env=self.env).stdout
        m = re.search(r"JobState=([A-Z_]+)", out)
        return m.group(1) if m else ""

    def wait_state(self, job, states, seconds):
        deadline = time.time() + seconds
        st = ""
        while time.time() < deadline:
            st = self.job_state(job)
            if st in states:
                return st
            time.sleep(0.5)
        return st


def submit(spur, repo, slurm, config, *overrides):
    r = sh(spur, "launch", "slurm", os.path.join(repo, "configs", config), *overrides, check_rc=False, env=slurm.env)
    m = re.search(r"as job (\d+)", r.stdout)
    return (m.group(1) if m else None), r


def wait_for(pred, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.5)
    return False


def read(path):
    return open(path).read() if os.path.exists(path) else ""


def test_hetjob(spur, repo, slurm, runs):
    # A run directory with a space and a quote: every command of the job script (the services
    # step reads spur train --print-commands) must pass it through unchanged.
    runs = os.path.join(runs, "it's a dir")
    job, r = submit(spur, repo, slurm, "ci_chain.yaml", "run.dir=" + runs, "run.name=het", "run.total_frames=60000",
                    "learner.world_size=2", "slurm.learner_cpus_per_rank=1", "slurm.service_cpus=1", "reward.type=retrieval",
                    "reward.int_coeff=0.1", "llm.backend=rules", "llm.rules=[{pattern: end of the chain, label: helpful}]",
                    "transport.curve=true")
    st = slurm.wait_state(job, ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"), 300) if job else ""
    run = os.path.join(runs, "het")
    out = read(os.path.join(run, "slurm", "job-%s.out" % job))
    s = json.load(open(os.path.join(run, "summary.json"))) if os.path.exists(os.path.join(run, "summary.json")) else {}
    learner0, learner1 = read(os.path.join(run, "logs", "learner-0.log")), read(os.path.join(run, "logs", "learner-1.log"))
    events = glob.glob(os.path.join(run, "tb", "learner", "events.out.tfevents.*"))
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(os.path.join(run, "tb", "learner"))
    acc.Reload()
    steps = [e.step for e in acc.Scalars("train/loss")] if "train/loss" in acc.Tags()["scalars"] else []
    # Learning itself is the ranks case of train_test.py; here: the job ran its roles where it should.
    check("hetjob: submitted (%s), %s; 2 learner ranks on n1 (%s.1), actors on n2; %s frames, TensorBoard up to frame %s"
          % (job, st, NET, s.get("frames"), max(steps) if steps else None),
          st == "COMPLETED" and s.get("finished") and s.get("frames", 0) >= 60000 and "actors on n2" in out
          and ("tcp://%s.1:29500" % NET) in learner0 and ("tcp://%s.1:29501" % NET) in learner1 and len(events) == 1
          and steps and max(steps) == s["frames"] and os.path.exists(os.path.join(run, "curve", "run.key")) and "not protected" not in learner0,
          "stdout %s stderr %s\njob output:\n%s\nlearner-0:\n%s" % (r.stdout, r.stderr, out[-2000:], learner0[-1500:]))
    import sqlite3
    store = os.path.join(run, "labels.sqlite")
    labels = sqlite3.connect(store).execute("SELECT item, label FROM labels").fetchall() if os.path.exists(store) else []
    rl = read(os.path.join(run, "logs", "reward_learner-0.log"))
    tables = [int(v) for v in re.findall(r"table version (\d+)", rl)]
    check("hetjob: llm_server and reward learner on n3 (%s.3) label the learner's messages (%s) and publish tables (version %s)"
          % (NET, labels, max(tables) if tables else None),
          ("tcp://%s.3:29800" % NET) in learner0 and ("You reach the end of the chain.", 1) in labels and tables and max(tables) >= 1,
          rl[-1500:] + read(os.path.join(run, "logs", "llm_server-0.log"))[-800:])
    time.sleep(2)
    left = {n: sh("ip", "netns", "pids", "%s_n%d" % (PREFIX, n), check_rc=False).stdout.split() for n in range(1, NODES + 1)}
    left = {n: [open("/proc/%s/cmdline" % p).read().replace("\0", " ")[:80] for p in pids if os.path.exists("/proc/%s" % p) and "slurmd" not in open("/proc/%s/cmdline" % p).read()]
            for n, pids in left.items()}
    check("hetjob: no role outlives the job (%s)" % left, not any(left.values()))
    digests = re.findall(r"parameters digest ([0-9a-f]+)", learner0 + learner1)
    check("hetjob: the two ranks end bit-identical (%s)" % digests, len(digests) == 2 and digests[0] == digests[1], learner1[-800:])


def test_requeue(spur, repo, slurm, runs):
    job, r = submit(spur, repo, slurm, "ci_chain.yaml", "run.dir=" + runs, "run.name=requeue", "run.total_frames=0", "run.checkpoint_interval_s=2")
    run = os.path.join(runs, "requeue")
    running = slurm.wait_state(job, ("RUNNING",), 120) == "RUNNING" if job else False
    checkpointed = wait_for(lambda: os.path.islink(os.path.join(run, "checkpoints", "latest")), 120)
    time.sleep(2)
    sh("scontrol", "requeue", job, check_rc=False, env=slurm.env)
    pending = slurm.wait_state(job, ("PENDING",), 60) == "PENDING"
    # A requeued job may start once its old credential has expired (cred_expire above, 10 s):
    # forcing StartTime=now raced with that and slurmctld killed the job ("credential revoked").
    again = slurm.wait_state(job, ("RUNNING",), 240) == "RUNNING"
    resumed = wait_for(lambda: "resumed from" in read(os.path.join(run, "logs", "learner-0.log")), 240)
    sh("scancel", job, check_rc=False, env=slurm.env)
    slurm.wait_state(job, ("CANCELLED", "COMPLETED", "FAILED"), 60)
    out = read(os.path.join(run, "slurm", "job-%s.out" % job))
    log = read(os.path.join(run, "logs", "learner-0.log"))
    m = re.search(r"resumed from \S+ckpt-(\d+)\.pt \(update (\d+)", log)
    check("requeue: job %s requeued while running resumes from its checkpoint (%s)" % (job, m.group(0) if m else None),
          running and checkpointed and pending and again and resumed and "start 1:" in out and m is not None and int(m.group(2)) > 0,
          "running %s checkpointed %s pending %s again %s resumed %s\n%s\n%s" % (running, checkpointed, pending, again, resumed, out[-1500:], log[-1500:]))


def test_errors(spur, repo, slurm, runs):
    for overrides, needle in [(["slurm.actor_nodes=5"], "slurm.actor_nodes"), (["learner.device=cuda"], "slurm.learner_gpus_per_rank"),
                              (["slurm.base_port=80"], "slurm.base_port")]:
        r = sh(spur, "launch", "slurm", os.path.join(repo, "configs", "ci_chain.yaml"), "run.dir=" + runs, "run.name=bad", "--print", *overrides,
               check_rc=False, env=slurm.env)
        check("errors: %s is refused naming %s" % (overrides[0], needle), r.returncode != 0 and needle in r.stderr, r.stderr[-500:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spur", required=True)
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    spur, repo = os.path.abspath(args.spur), os.path.abspath(args.repo)
    missing = [t for t in ("slurmctld", "slurmd", "munged", "mungekey", "sbatch", "ip", "nsenter") if not shutil.which(t)]
    if os.geteuid() != 0 or missing:
        check("prerequisites: root and %s" % missing, False, "run ./spur test as root on Debian (launch/setup/debian-packages.txt)")
        return 1
    tmp = tempfile.mkdtemp(prefix="spur-slurm-test-")
    slurm = LocalSlurm(os.path.join(tmp, "slurm"))
    try:
        netns_up()
        t0 = time.time()
        up = slurm.start()
        check("local Slurm: %d nodes idle (%.1f s)" % (NODES, time.time() - t0), up, read(os.path.join(slurm.base, "log", "slurmctld.log"))[-1500:])
        if up:
            runs = os.path.join(tmp, "runs")
            test_errors(spur, repo, slurm, runs)
            test_hetjob(spur, repo, slurm, runs)
            test_requeue(spur, repo, slurm, runs)
    finally:
        slurm.stop()
        netns_down()
        if all(RESULTS):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept for inspection: " + tmp)
    print("%d passed, %d failed" % (sum(RESULTS), len(RESULTS) - sum(RESULTS)))
    return 0 if RESULTS and all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
