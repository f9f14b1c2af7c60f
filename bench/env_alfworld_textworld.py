"""TextWorld side of bench/env_alfworld: plays the given games in TextWorld's PddlEnv (wrapped in
alfworld's AlfredDemangler, as ALFWorld does) with the same command schedule as spur: per game,
load + reset (timed as one reset: PddlEnv.reset re-translates the PDDL task with Fast Downward), then
up to --steps commands (stop on won), command k = admissible[splitmix64 draw % len(admissible)]
with the RNG seeded per game. Prints one JSON line: resets, reset_seconds, steps, step_seconds,
digest (FNV-1a 64 over every feedback and admissible list, to check both engines played the
same games identically).

Run in the reference venv (envs/alfworld/reference/make_venv.sh).
"""

import json
import sys
import time

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def fnv(h, text):
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 1099511628211) & MASK
    return h


def main():
    argv = list(sys.argv[1:])  # alfworld's imports read sys.argv
    steps_per_game = int(argv[0])
    games = argv[1:]
    from textworld import EnvInfos
    from textworld.envs import PddlEnv
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler

    digest = 1469598103934665603
    reset_seconds = step_seconds = 0.0
    steps = 0
    for g, game in enumerate(games):
        t0 = time.perf_counter()
        env = AlfredDemangler(PddlEnv(EnvInfos(admissible_commands=True, won=True)))
        env.load(game)
        state = env.reset()
        reset_seconds += time.perf_counter() - t0
        digest = fnv(digest, state.feedback + "\n" + "\n".join(state["admissible_commands"]))
        rng = SplitMix64(g + 1)
        t0 = time.perf_counter()
        for _ in range(steps_per_game):
            adm = state["admissible_commands"]
            cmd = adm[rng.next() % len(adm)]
            state, _, done = env.step(cmd)
            steps += 1
            digest = fnv(digest, state.feedback + "\n" + "\n".join(state["admissible_commands"]))
            if done:
                break
        step_seconds += time.perf_counter() - t0
    print(json.dumps({"resets": len(games), "reset_seconds": reset_seconds, "steps": steps,
                      "step_seconds": step_seconds, "digest": "%016x" % digest}))


if __name__ == "__main__":
    main()
