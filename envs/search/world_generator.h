// The fictional world generator behind `spur search-generate`: a retrieval corpus and
// multi-hop questions about invented entities, so that the web-search env can be trained and
// evaluated offline on facts no language model can already know (the FictionalHot idea).
//
// Two disjoint worlds are generated from one seed: world 0 (the train questions) and world 1
// (the held-out test questions). Their passages form one corpus, so a test-time agent searches
// the same index it trained on, but every test question is about entities it never saw in
// training: no entity name, and no invented word inside a name, is shared across worlds.
//
// Each world is a typed fact graph:
//   person:       born_in (city), birth_year, death_year (when dead), employer (organisation),
//                 occupation (text only, never an answer)
//   organisation: founded_by (person), founding_year, headquartered_in (city)
//   city:         located_in (region), founding_year
//   region:       capital (city)
//   work:         created_by (person), published_by (organisation), release_year
//                 (a novel, an album or a film; publisher kinds match)
//   event:        held_in (city), year, organised_by (organisation), winner (person)
// Every relation has one value, so "the founder of X" always names one entity, and values are
// consistent (an organisation is founded in its founder's adult life, a work is published by
// an organisation that already exists, ...).
//
// Passages are Search-R1 corpus rows: contents = makeContents(title, text), about 60-120 words
// of text. Each entity has one article of several passages that share its title (as wiki-18's
// 100-word chunks do): the facts are spread over them in randomised phrasings, mixed with
// filler sentences, and other entities' articles restate them ("Notable people born in X
// include ..."). Distractors: homonyms (two people, or two works, of one world sharing a name;
// titles "Name (sculptor)", "Name (film)", plus a "Name (disambiguation)" page), near-duplicate
// names (one vowel changed: "Kelvar Press" / "Kelver Press"), and fact-free filler passages.
// The corpus is never contradictory: a fact is stated the same way wherever it appears.
//
// Questions (SearchQuestion: golden_answers = the answer then its aliases, evidence = the ids
// of every passage that states a fact of the chain, hops, type):
//   single        1 hop   "In which city was Orin Vasquell born?"
//   bridge        2-4     "In which year was the founder of Kelvar Press born?"
//   comparison    2       "Who was born earlier, A or B?" (the answer is A or B)
//   intersection  2       "Which person was born in C and worked for O?" (unique in its world)
// An answer is an entity name (a run of capitalised words) or a 4-digit year; aliases (a
// person's surname, a name without "The"/"Port"/"Royal", an organisation's short name) are
// substrings of the name, so every golden answer occurs in an evidence passage. An entity a
// question names has a unique name in its world, or is disambiguated ("the sculptor Orin
// Vasquell"); no answer of a non-comparison question occurs in its question.
//
// Names come from a seeded syllable generator (checked against a small stoplist of real names
// and words). Everything is a pure function of WorldOptions: same options, byte-identical
// output, on any platform (spur's own PRNG, no std distributions, no unordered iteration).
//
// Thread-safety: the functions are re-entrant; they share no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "envs/search/corpus.h"

namespace spur::search {

struct WorldOptions {
  uint64_t seed = 1;
  int64_t entities = 2000;            // entities over both worlds (>= 100); ~5 passages each
  double test_fraction = 0.2;         // share of entities (and so of questions) in world 1, (0, 1)
  double questions_per_entity = 1.0;  // questions per entity of each world, (0, 10]
};

// One entity, as the tests and world.json see it.
struct WorldEntity {
  std::string name;                  // as questions and other pages write it
  std::string title;                 // its article's title: name, or "name (disambiguator)"
  std::string type;                  // person, organisation, city, region, work, event
  std::vector<std::string> aliases;  // shorter forms accepted as answers (substrings of name)
  int world = 0;                     // 0: train world, 1: held-out test world
};

struct GeneratedWorld {
  std::vector<CorpusDoc> corpus;  // both worlds' passages, ids "0", "1", ... in order
  std::vector<int> corpus_world;  // corpus_world[i]: the world of corpus[i]
  std::vector<SearchQuestion> train, test;  // train: world 0 only (ids "train-N"), test: world 1 ("test-N")
  std::vector<WorldEntity> entities;        // both worlds
};

// Generates both worlds. Deterministic in `options`. Throws Error(kInvalidArgument) for
// options out of range (too few entities for either world to hold every entity type).
GeneratedWorld generateSearchWorld(const WorldOptions& options);

// Writes DIR/corpus.jsonl, DIR/train.jsonl, DIR/test.jsonl (corpus.h formats) and DIR/world.json
// (the options, passage count, and per split: entities per type, passages, questions per type
// and per hop count). Writes into DIR.partial (removing a stale one first), then renames it to
// DIR, so DIR is either absent or complete. Throws Error(kFailedPrecondition) naming DIR, and
// writes nothing, when DIR exists and is not an empty directory; Error(kDataLoss) when a write
// fails.
void writeSearchWorld(const GeneratedWorld& world, const WorldOptions& options, const std::string& dir);

// "single 120, bridge 160 (2 hops 80, 3 hops 52, 4 hops 28), comparison 60, intersection 60":
// questions per type (and bridge hops), for log lines.
std::string describeQuestionMix(const std::vector<SearchQuestion>& questions);

}  // namespace spur::search
