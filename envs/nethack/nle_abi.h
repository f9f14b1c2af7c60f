// The C ABI of libnethack.so from the pinned nle==1.2.0 wheel.
//
// The wheel ships no headers, so spur declares the structs it passes across the ABI
// itself. They mirror include/nletypes.h of the nle 1.2.0 sdist; nle_abi.cc checks every
// size and field offset with static_asserts against values read off that header (compiled
// with g++ 12 on x86_64). Change them only together with the pinned version.
#pragma once

#include <cstdint>
#include <cstdio>

namespace spur::nle {

inline constexpr const char* kPinnedVersion = "1.2.0";

inline constexpr int kMessageSize = 256;
inline constexpr int kBlstatsSize = 27;
inline constexpr int kProgramStateSize = 6;
inline constexpr int kInternalSize = 9;
inline constexpr int kMiscSize = 3;
inline constexpr int kInventorySize = 55;
inline constexpr int kInventoryStrLength = 80;
inline constexpr int kScreenDescriptionLength = 80;
inline constexpr int kTermRows = 24;
inline constexpr int kTermCols = 80;
inline constexpr int kMapRows = 21;  // ROWNO
inline constexpr int kMapCols = 79;  // COLNO - 1

// blstats indices (NLE_BL_*).
enum Blstat : int {
  kBlX = 0, kBlY = 1, kBlScore = 9, kBlHp = 10, kBlDepth = 12, kBlGold = 13,
  kBlXp = 18, kBlTime = 20, kBlDnum = 23, kBlDlevel = 24, kBlCondition = 25,
};

// Glyph layout of NetHack 3.6.7 (NLE include/display.h).
inline constexpr int kGlyphMonOff = 0;
inline constexpr int kGlyphPetOff = 381;    // NUMMONS monsters, then the pet copies
inline constexpr int kNumMonsters = 381;
inline constexpr int kGlyphCmapOff = 2359;  // first map symbol: "dark part of a room" (stone)
inline constexpr int kOracleGlyph = 270;    // monster glyph of PM_ORACLE
inline constexpr int kMaxGlyph = 5976;

// nle_obs: caller-owned buffers, a null pointer means "don't compute this field".
struct Observation {
  int action;
  int done;
  char in_normal_game;
  int how_done;
  int16_t* glyphs;
  uint8_t* chars;
  uint8_t* colors;
  uint8_t* specials;
  long* blstats;
  uint8_t* message;
  int* program_state;
  int* internal;
  int16_t* inv_glyphs;
  uint8_t* inv_strs;
  uint8_t* inv_letters;
  uint8_t* inv_oclasses;
  uint8_t* screen_descriptions;
  uint8_t* tty_chars;
  int8_t* tty_colors;
  uint8_t* tty_cursor;
  int* misc;
};

// nle_seeds_init_t.
struct SeedsInit {
  unsigned long seeds[2];  // core, disp
  char reseed;
  bool use_init_seeds;
  unsigned long lgen_seed;
  bool use_lgen_seed;
};

// nle_settings.
struct Settings {
  char hackdir[4096];
  char scoreprefix[4096];
  char options[32768];
  char wizkit[4096];
  int spawn_monsters;
  char ttyrecname[4096];
  SeedsInit initial_seeds;
};

// Entry points exported by libnethack.so. The context is opaque to spur.
using StartFn = void* (*)(Observation*, FILE* ttyrec, Settings*);
using StepFn = void* (*)(void* ctx, Observation*);
using EndFn = void (*)(void* ctx);
using SetSeedFn = void (*)(void* ctx, unsigned long core, unsigned long disp, signed char reseed, unsigned long lgen);
using GetSeedFn = void (*)(void* ctx, unsigned long* core, unsigned long* disp, signed char* reseed,
                           unsigned long* lgen, bool* lgen_in_use);

// NetHack's how_done values we report (include/hack.h).
inline constexpr int kHowAscended = 15;

}  // namespace spur::nle
