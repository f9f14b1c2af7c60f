#!/usr/bin/env bash
# Re-records the golden TextWorld transcripts in golden/ that tests/envs/alfworld_golden_test.cc
# compares spur's engine to, step by step. Needs the reference venv:
#   envs/alfworld/reference/make_venv.sh          # once, ~15 min
#   tests/data/alfworld/regenerate_golden.sh
# Each line of the table: output name, game dir, names (alfred|ids), action file ("-" for none,
# "@walkthrough" for the game's own), random admissible steps after the actions, seed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
py="${SPUR_TEXTWORLD_VENV:-$root/.venv-textworld}/bin/python"
rec="$root/envs/alfworld/reference/record_transcripts.py"
while read -r out game names actions random seed; do
  [[ -z "$out" || "$out" == \#* ]] && continue
  args=(--game "$here/games/$game/game.tw-pddl" --label "games/$game/game.tw-pddl" --names "$names" --out "$here/golden/$out.jsonl" --random "$random" --seed "$seed")
  if [[ "$actions" == "@walkthrough" ]]; then args+=(--walkthrough)
  elif [[ "$actions" != "-" ]]; then args+=(--actions "$here/actions/$actions.txt"); fi
  "$py" "$rec" "${args[@]}"
done <<'TABLE'
shared_loc_transcript     shared_loc               alfred shared_loc_transcript          60 1
shared_loc_floor          shared_loc               alfred shared_loc_floor               60 2
look_cd_transcript        look_cd_fp301            alfred look_cd_transcript             60 3
look_cd_planner           look_cd_fp301            alfred look_cd_fp301_planner          0  0
look_cd_handcoded         look_cd_fp301            alfred look_cd_fp301_handcoded        0  0
heat_apple_oldlogic       heat_apple_fp1_oldlogic  alfred heat_apple_oldlogic_transcript 80 4
clean_mug_planner         clean_mug_fp1            alfred clean_mug_fp1_planner          0  0
clean_mug_handcoded       clean_mug_fp1            alfred clean_mug_fp1_handcoded        0  0
clean_mug_random          clean_mug_fp1            alfred -                              120 5
cool_tomato_planner       cool_tomato_fp1          alfred cool_tomato_fp1_planner        0  0
cool_tomato_handcoded     cool_tomato_fp1          alfred cool_tomato_fp1_handcoded      0  0
cool_tomato_random        cool_tomato_fp1          alfred -                              120 6
simple_book_planner       simple_book_fp301        alfred simple_book_fp301_planner      0  0
simple_book_handcoded     simple_book_fp301        alfred simple_book_fp301_handcoded    0  0
simple_book_random        simple_book_fp301        alfred -                              120 7
twtest_sample_ids         textworld_sample         ids    twtest_sample                  40 8
twtest_oldlogic_alfred    textworld_sample         alfred twtest_oldlogic                0  0
# Games of every task type from `spur alfworld-generate --seed 1` (the generator's own output).
gen_pick_walk             generated_pick_and_place_simple          alfred @walkthrough 60 11
gen_look_walk             generated_look_at_obj_in_light           alfred @walkthrough 60 12
gen_clean_walk            generated_pick_clean_then_place_in_recep alfred @walkthrough 60 13
gen_heat_walk             generated_pick_heat_then_place_in_recep  alfred @walkthrough 60 14
gen_cool_walk             generated_pick_cool_then_place_in_recep  alfred @walkthrough 60 15
gen_two_walk              generated_pick_two_obj_and_place         alfred @walkthrough 60 16
gen_pick_random           generated_pick_and_place_simple          alfred -            150 17
gen_two_random_ids        generated_pick_two_obj_and_place         ids    -            150 18
TABLE
