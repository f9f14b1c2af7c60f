"""Prints, as one JSON object, what spur's ALFWorld game generator reads from the installed
`alfworld` PyPI package (pinned in requirements/python-nodeps.txt, installed without its heavy
dependencies): the alfred PDDL domain and text grammar, the scene layout directory, and the
object/receptacle rules and goal definitions of alfworld.gen (constants.py, goal_library.py),
loaded as plain files so that none of alfworld's own imports (torch, ai2thor, ...) run.

Usage: python alfworld_package.py   (exit status 1 with a message when alfworld is missing)
"""

import importlib.util
import json
import os
import runpy
import sys

GOALS = [
    "pick_and_place_simple",
    "look_at_obj_in_light",
    "pick_clean_then_place_in_recep",
    "pick_heat_then_place_in_recep",
    "pick_cool_then_place_in_recep",
    "pick_two_obj_and_place",
]


def main() -> int:
    spec = importlib.util.find_spec("alfworld")
    if spec is None or not spec.submodule_search_locations:
        print("the alfworld package is not installed in this Python (%s); ./spur installs it" % sys.executable, file=sys.stderr)
        return 1
    root = list(spec.submodule_search_locations)[0]
    paths = {
        "domain": os.path.join(root, "data", "alfred.pddl"),
        "grammar": os.path.join(root, "data", "alfred.twl2"),
        "constants": os.path.join(root, "gen", "constants.py"),
        "goals": os.path.join(root, "gen", "goal_library.py"),
        "layouts": os.path.join(root, "gen", "layouts"),
    }
    for name, path in paths.items():
        if not os.path.exists(path):
            print("alfworld package at %s lacks %s (%s)" % (root, name, path), file=sys.stderr)
            return 1
    c = runpy.run_path(paths["constants"])
    g = runpy.run_path(paths["goals"])["gdict"]

    def listify(d):
        return {k: sorted(v) for k, v in d.items()}

    out = {
        "root": root,
        "version": open(os.path.join(root, "info.py")).read() if os.path.exists(os.path.join(root, "info.py")) else "",
        "domain": open(paths["domain"]).read(),
        "grammar": open(paths["grammar"]).read(),
        "layouts": paths["layouts"],
        "objects": list(c["OBJECTS"]),
        "receptacles": sorted(c["RECEPTACLES"]),
        "movable_receptacles": list(c["MOVABLE_RECEPTACLES"]),
        "openable": list(c["OPENABLE_CLASS_LIST"]),
        "receptacle_objects": listify(c["VAL_RECEPTACLE_OBJECTS"]),
        "action_objects": listify(c["VAL_ACTION_OBJECTS"]),
        "scene_types": {k: list(v) for k, v in c["SCENE_TYPE"].items()},
        "goals_valid": listify(c["GOALS_VALID"]),
        "goals": {k: {"pddl": g[k]["pddl"], "templates": list(g[k]["templates"])} for k in GOALS},
    }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
