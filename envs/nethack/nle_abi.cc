// Layout checks for the declarations in nle_abi.h. The expected numbers were printed by
// compiling nle 1.2.0's include/nletypes.h (sdist) with g++ 12 on x86_64-linux; a
// mismatch here means the declarations no longer describe the pinned library.
#include "envs/nethack/nle_abi.h"

#include <cstddef>

namespace spur::nle {

static_assert(sizeof(long) == 8, "NLE's blstats are C longs: spur supports LP64 targets only");

static_assert(sizeof(Observation) == 152);
static_assert(offsetof(Observation, action) == 0);
static_assert(offsetof(Observation, done) == 4);
static_assert(offsetof(Observation, in_normal_game) == 8);
static_assert(offsetof(Observation, how_done) == 12);
static_assert(offsetof(Observation, glyphs) == 16);
static_assert(offsetof(Observation, blstats) == 48);
static_assert(offsetof(Observation, message) == 56);
static_assert(offsetof(Observation, program_state) == 64);
static_assert(offsetof(Observation, internal) == 72);
static_assert(offsetof(Observation, inv_glyphs) == 80);
static_assert(offsetof(Observation, screen_descriptions) == 112);
static_assert(offsetof(Observation, tty_chars) == 120);
static_assert(offsetof(Observation, tty_colors) == 128);
static_assert(offsetof(Observation, tty_cursor) == 136);
static_assert(offsetof(Observation, misc) == 144);

static_assert(sizeof(SeedsInit) == 40);
static_assert(offsetof(SeedsInit, seeds) == 0);
static_assert(offsetof(SeedsInit, reseed) == 16);
static_assert(offsetof(SeedsInit, use_init_seeds) == 17);
static_assert(offsetof(SeedsInit, lgen_seed) == 24);
static_assert(offsetof(SeedsInit, use_lgen_seed) == 32);

static_assert(sizeof(Settings) == 49200);
static_assert(offsetof(Settings, hackdir) == 0);
static_assert(offsetof(Settings, scoreprefix) == 4096);
static_assert(offsetof(Settings, options) == 8192);
static_assert(offsetof(Settings, wizkit) == 40960);
static_assert(offsetof(Settings, spawn_monsters) == 45056);
static_assert(offsetof(Settings, ttyrecname) == 45060);
static_assert(offsetof(Settings, initial_seeds) == 49160);

}  // namespace spur::nle
