"""ONI's NetHack task semantics on top of the real nle 1.2.0 Python env.

The parity test needs a Python reference for spur's Oni* tasks. ONI's own module
(rl_baseline/tasks_nle.py) targets nle 0.9.0 and gym 0.23, so this file restates its
behaviour, as documented in shared/docs/refs/oni.md and nle.md section 8, on top of
nle.env.base.NLE from the pinned nle wheel:

- eat prompt ("What do you want to eat"; extended actions also "... to drink"): the 'y'
  key becomes the first letter inside [...], any other key becomes SPACE;
- --More-- after "You descend the stairs." keeps that message visible;
- "drink" joins NLE's y/n questions the agent may answer;
- extended actions: CAST is followed by 'a'; "You feel more confident in" triggers
  M-e then 'a' at the end of the known-step loop; "you kill " messages are counted;
- Staircase(Lvl3/Lvl4): 50 when the message says "You descend the stairs" on dungeon level
  2 (3/4), no time penalty; Continual variants pay 50 once and never end on success;
- Oracle: 50 next to the Oracle; OracleSober also needs blstats[25] != 512;
- Score: NLE's score delta plus the constant time penalty.
"""

import enum
import re

import numpy as np
from nle import nethack
from nle.env import base
from nle.env.tasks import TASK_ACTIONS

ONI_EXTENDED_ACTIONS = tuple(TASK_ACTIONS) + (
    nethack.Command.CAST,
    nethack.Command.QUAFF,
    nethack.Command.PRAY,
    nethack.Command.PICKUP,
    nethack.Command.PAY,
)
ONI_SKIP = (b"eat", b"attack", b"direction?", b"pray", b"drink")
SPACE, ESC = ord(" "), 27
ORACLE_GLYPH = next(
    g
    for g in range(nethack.GLYPH_MON_OFF, nethack.GLYPH_PET_OFF)
    if nethack.permonst(nethack.glyph_to_mon(g)).mname == "Oracle"
)

# task name -> (kind, target dungeon level)
ONI_TASKS = {
    "OniScore": ("score", 0),
    "OniStaircase": ("stairs", 2),
    "OniStaircaseLvl3": ("stairs", 3),
    "OniStaircaseLvl4": ("stairs", 4),
    "OniStaircaseContinual": ("stairs_continual", 2),
    "OniStaircaseLvl3Continual": ("stairs_continual", 3),
    "OniStaircaseLvl4Continual": ("stairs_continual", 4),
    "OniOracle": ("oracle", 0),
    "OniOracleSober": ("oracle_sober", 0),
}


class OniTask(base.NLE):
    class StepStatus(enum.IntEnum):
        ABORTED = -1
        RUNNING = 0
        DEATH = 1
        TASK_SUCCESSFUL = 2

    def __init__(self, task, extended=True, **kwargs):
        self.kind, self.target = ONI_TASKS[task]
        self.extended = extended
        self._frozen_steps = 0
        actions = ONI_EXTENDED_ACTIONS if extended else TASK_ACTIONS
        super().__init__(actions=actions, **kwargs)

    # -- episode state ---------------------------------------------------------------
    def reset(self, *args, **kwargs):
        self.enhance = False
        self.num_kills = 0
        self.success_seen = False
        self.success_paid = False
        return super().reset(*args, **kwargs)

    def _msg(self, observation):
        return bytes(observation[self._message_index])

    # -- the known-step loop ---------------------------------------------------------
    def _perform_known_steps(self, observation, done, exceptions=True, action=None):
        while not done:
            if self.extended:
                text = self._msg(observation)
                if action == nethack.Command.CAST:
                    observation, done = self.nethack.step(ord("a"))
                elif b"You feel more confident in" in text:
                    self.enhance = True
                if observation[self._internal_index][3] and b"You feel more confident in" in text:
                    self.enhance = True
            if observation[self._internal_index][3]:
                kept = observation[self._message_index].copy()
                observation, done = self.nethack.step(SPACE)
                action = SPACE
                if b"You descend the stairs." in bytes(kept):
                    observation = tuple(
                        kept if i == self._message_index else o for i, o in enumerate(observation)
                    )
                continue
            internal = observation[self._internal_index]
            if internal[2]:
                observation, done = self.nethack.step(ESC)
                action = ESC
                continue
            if internal[1]:
                if exceptions and (
                    self._allow_all_yn_questions or any(e in self._msg(observation) for e in ONI_SKIP)
                ):
                    break
                observation, done = self.nethack.step(ESC)
                action = ESC
            if self.extended and self.enhance:
                observation, done = self.nethack.step(nethack.Command.ENHANCE)
                observation, done = self.nethack.step(ord("a"))
                self.enhance = False
            break
        return observation, done

    # -- task --------------------------------------------------------------------------
    def _is_episode_end(self, observation):
        blstats = observation[self._blstats_index]
        if self.kind.startswith("stairs"):
            reached = b"You descend the stairs" in self._msg(observation) and blstats[24] == self.target
            if self.kind == "stairs_continual":
                self.success_seen = self.success_seen or reached
                return self.StepStatus.RUNNING
            return self.StepStatus(2) if reached else self.StepStatus.RUNNING
        if self.kind.startswith("oracle"):
            glyphs = observation[self._glyph_index]
            x, y = blstats[:2]
            near = np.any(glyphs[y - 1 : y + 2, x - 1 : x + 2] == ORACLE_GLYPH)
            if self.kind == "oracle_sober":
                near = near and blstats[25] != 512
            return self.StepStatus(2) if near else self.StepStatus.RUNNING
        return self.StepStatus.RUNNING

    def _time_penalty(self, last_observation, observation):
        old = last_observation[self._blstats_index][nethack.NLE_BL_TIME]
        new = observation[self._blstats_index][nethack.NLE_BL_TIME]
        self._frozen_steps = self._frozen_steps + 1 if old == new else 0
        return -0.01 if self._frozen_steps > 0 else 0.0

    def _reward_fn(self, last_observation, action, observation, end_status):
        if self.kind == "score":
            delta = super()._reward_fn(last_observation, action, observation, end_status)
            return delta + self._time_penalty(last_observation, observation)
        if self.kind == "stairs_continual":
            if self.success_seen and not self.success_paid:
                self.success_paid = True
                return 50
            return 0
        return 50 if int(end_status) == 2 else 0

    def step(self, action):
        last_observation = tuple(a.copy() for a in self.last_observation)
        last_msg = self._msg(last_observation)
        key = self.actions[action]
        if self.extended and b"you kill " in last_msg.lower():
            self.num_kills += 1
        prompt = b"What do you want to eat" in last_msg or (
            self.extended and b"What do you want to drink" in last_msg
        )
        if prompt:
            m = re.search(rb"\[([a-zA-Z]+)", last_msg.split(b"\0", 1)[0])
            key = m.group(1)[0] if (m and key == ord("y")) else SPACE
        observation, done = self.nethack.step(key)
        if observation[self._program_state_index][0] == 1 or not self._allow_all_modes:
            observation, done = self._perform_known_steps(
                observation, done, exceptions=True, action=key if self.extended else None
            )
        self._steps += 1
        self.last_observation = observation
        if self._check_abort(observation):
            end_status = self.StepStatus.ABORTED
        else:
            end_status = self._is_episode_end(observation)
        end_status = self.StepStatus(done or end_status)
        reward = float(self._reward_fn(last_observation, key, observation, end_status))
        if end_status and not done:
            self._quit_game(observation, done)
            done = True
        return self._get_observation(observation), reward, done, False, {"end_status": end_status}
