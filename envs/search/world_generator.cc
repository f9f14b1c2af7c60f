#include "envs/search/world_generator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/status.h"

namespace spur::search {
namespace {

namespace fs = std::filesystem;

// Concatenation through append: GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

std::string yearText(int year) { return std::to_string(year); }

// "an astronomer", "a sculptor".
std::string withArticle(std::string_view noun) {
  const char c = noun.empty() ? 'x' : noun.front();
  const bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
  return cat(vowel ? "an " : "a ", noun);
}

// ------------------------------------------------------------------------------------------
// Randomness. splitmix64 and integer-only draws, not <random>'s distributions, whose outputs
// differ between standard libraries: the files must be byte-identical for a seed everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (multiply-shift; its bias is far below anything we measure).
  int64_t below(int64_t n) {
    return static_cast<int64_t>((static_cast<unsigned __int128>(next()) * static_cast<uint64_t>(n)) >> 64);
  }
  int range(int lo, int hi) { return lo + static_cast<int>(below(hi - lo + 1)); }  // inclusive
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <std::size_t N>
  const char* pick(const char* const (&a)[N]) {
    return a[below(N)];
  }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(below(static_cast<int64_t>(v.size())))];
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<std::size_t>(below(static_cast<int64_t>(i)))]);
  }

 private:
  uint64_t state_;
};

// ------------------------------------------------------------------------------------------
// Schema.
enum Kind : uint8_t { kPerson, kOrg, kCity, kRegion, kWork, kEvent, kNumKinds };
constexpr const char* kKindNames[kNumKinds] = {"person", "organisation", "city", "region", "work", "event"};

enum Rel : uint8_t {
  kBornIn, kBirthYear, kDeathYear, kEmployer,  // person
  kFoundedBy, kFoundingYear, kHq,              // organisation (kFoundingYear also city)
  kCreatedBy, kPublishedBy, kReleaseYear,      // work
  kLocatedIn,                                  // city
  kCapital,                                    // region
  kHeldIn, kEventYear, kOrganisedBy, kWinner,  // event
  kNumRels
};

bool isYear(Rel r) { return r == kBirthYear || r == kDeathYear || r == kFoundingYear || r == kReleaseYear || r == kEventYear; }

const std::vector<Rel>& relsOf(Kind k) {
  static const std::array<std::vector<Rel>, kNumKinds> rels = {{
      {kBornIn, kBirthYear, kDeathYear, kEmployer},
      {kFoundedBy, kFoundingYear, kHq},
      {kLocatedIn, kFoundingYear},
      {kCapital},
      {kCreatedBy, kPublishedBy, kReleaseYear},
      {kHeldIn, kEventYear, kOrganisedBy, kWinner},
  }};
  return rels[k];
}

enum WorkKind : int { kNoWork = -1, kBook = 0, kAlbum = 1, kFilm = 2 };
constexpr const char* kWorkWord[3] = {"novel", "album", "film"};

struct Occupation {
  const char* name;
  int creates;  // WorkKind
};
constexpr Occupation kOccupations[] = {
    {"sculptor", kNoWork},     {"painter", kNoWork},       {"novelist", kBook},       {"poet", kBook},
    {"historian", kBook},      {"essayist", kBook},        {"composer", kAlbum},      {"singer", kAlbum},
    {"violinist", kAlbum},     {"film director", kFilm},   {"architect", kNoWork},    {"chemist", kNoWork},
    {"physician", kNoWork},    {"engineer", kNoWork},      {"astronomer", kNoWork},   {"botanist", kNoWork},
    {"mathematician", kNoWork}, {"cartographer", kNoWork}, {"photographer", kNoWork}, {"lawyer", kNoWork},
    {"economist", kNoWork},    {"journalist", kNoWork},    {"merchant", kNoWork},     {"diplomat", kNoWork},
};
constexpr int kNumOccupations = static_cast<int>(std::size(kOccupations));

struct OrgKind {
  const char* word;  // the name's last word(s)
  const char* desc;  // "a <desc> based in ..."
  const char* noun;  // "the <noun> was ..."
  int publishes;     // WorkKind
};
constexpr OrgKind kOrgKinds[] = {
    {"Press", "publishing house", "press", kBook},
    {"Records", "record label", "label", kAlbum},
    {"Pictures", "film studio", "studio", kFilm},
    {"Institute", "research institute", "institute", kNoWork},
    {"Trading Company", "trading company", "company", kNoWork},
    {"Bank", "bank", "bank", kNoWork},
    {"Academy", "academy of arts", "academy", kNoWork},
    {"Society", "learned society", "society", kNoWork},
    {"Works", "engineering firm", "firm", kNoWork},
    {"Line", "shipping company", "company", kNoWork},
    {"Observatory", "observatory", "observatory", kNoWork},
    {"Foundation", "charitable foundation", "foundation", kNoWork},
    {"Gazette", "newspaper", "newspaper", kNoWork},
    {"Conservatory", "music school", "conservatory", kNoWork},
};
constexpr int kNumOrgKinds = static_cast<int>(std::size(kOrgKinds));

struct EventKind {
  const char* word;
  const char* desc;
};
constexpr EventKind kEventKinds[] = {
    {"Exhibition", "trade exhibition"}, {"Fair", "trade fair"},          {"Congress", "scientific congress"},
    {"Festival", "music festival"},     {"Regatta", "rowing regatta"},   {"Games", "sporting contest"},
    {"Symposium", "scholarly symposium"}, {"Tournament", "chess tournament"}, {"Salon", "art salon"},
};
constexpr int kNumEventKinds = static_cast<int>(std::size(kEventKinds));

// ------------------------------------------------------------------------------------------
// Names. Invented words from syllables; a stoplist keeps out the real names and words the
// syllables happen to spell most often (a question must not be answerable from memory).
constexpr const char* kOnsets[] = {"b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p",
                                   "r", "s", "t", "th", "tr", "v", "w", "z", "sh", "st", "j", "kr", "fr", "vr"};
constexpr const char* kSimpleOnsets[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"};
constexpr const char* kVowels[] = {"a", "e", "i", "o", "u", "a", "e", "o", "ae", "ei", "ou", "y", "ai", "ea"};
constexpr const char* kCodas[] = {"n", "r", "l", "s", "m", "l", "r"};
constexpr const char* kFirstEnds[] = {"a", "o", "an", "en", "in", "el", "is", "ia", "ar", "eth", "ys", "ora", "ian", "et", "ic"};
constexpr const char* kSurnameEnds[] = {"ell", "ane", "ick", "ard", "en", "ar", "ith", "ey", "ven", "ous",
                                        "oss", "ier", "ano", "ault", "esk", "orne", "ett", "ow", "and", "quist"};
constexpr const char* kPlaceEnds[] = {"mere", "dale", "holm", "ven", "ara", "esk", "ford", "ona",
                                      "ith", "aven", "oss", "und", "ir", "ay", "eth", "orn", "wick"};
constexpr const char* kWordEnds[] = {"ar", "el", "en", "is", "or", "ane", "ith", "ova", "ex", "ium", "ant", "on", "ire", "al"};

constexpr const char* kStoplist[] = {
    "maria", "anna", "elena", "mara", "dora", "nora", "lena", "vera", "sara", "tara", "kara", "lara", "ella", "bella",
    "daria", "carla", "paris", "rome", "milan", "berlin", "boston", "denver", "austin", "dallas", "madrid", "lima",
    "sofia", "troy", "toledo", "verona", "malta", "samara", "kiev", "oslo", "bern", "delhi", "dublin", "mali", "chad",
    "peru", "cuba", "iran", "oman", "java", "bali", "sonia", "ivan", "boris", "oren", "aaron", "colin", "dylan",
    "ethan", "kevin", "martin", "robin", "simon", "logan", "jordan", "morgan", "megan", "helen", "ellen", "karen",
    "susan", "allen", "brian", "ryan", "adrian", "julian", "marian", "vivian", "darwin", "marvin", "calvin", "melvin",
    "kelvin", "gavin", "devin", "evan", "nathan", "ramon", "damon", "mason", "jason", "carter", "walter", "peter",
    "dexter", "hunter", "tanner", "porter", "parker", "baker", "miller", "taylor", "thomas", "harris", "morris",
    "davis", "lewis", "travis", "dennis", "curtis", "louis", "doris", "iris", "alice", "grace", "rose", "hope",
    "dana", "tina", "nina", "gina", "rita", "lisa", "mona", "fiona", "gloria", "olivia", "sophia", "julia", "lucia",
    "nadia", "lydia", "delia", "celia", "talia", "mira", "tessa", "teresa", "marisa", "monica", "erica", "angela",
    "paula", "laura", "sandra", "linda", "brenda", "wanda", "glenda", "amanda", "miranda", "rosa", "lola", "viola",
    "carmen", "helena", "selena", "serena", "irena", "milena", "alina", "carina", "marina", "karina", "selina",
    "tamara", "barbara", "sabrina", "tower", "water", "river", "silver", "winter", "summer", "mother", "father",
    "sister", "brother", "never", "over", "under", "lover", "cover", "power", "paper", "master", "poster", "baron",
    "salon", "talon", "melon", "lemon", "demon", "canon", "bacon", "wagon", "dragon", "rodeo", "sonata", "cobra",
    "zebra", "drama", "panama", "tundra", "mantra", "tiara", "aroma", "arena", "hyena", "sierra", "terra", "nova",
    "sauna", "fauna", "flora", "aurora", "opera", "cinema", "camera", "lama", "llama", "mama", "papa", "sofa",
    "tuna", "puma", "coma", "soda", "pasta", "vista", "villa", "siren", "raven", "haven", "oven", "seven", "heaven",
    "garden", "warden", "linen", "woman", "human", "roman", "women", "omen", "token", "golden", "sudden", "hidden",
    "basin", "cabin", "satin", "latin", "toxin", "resin", "cousin", "port", "fort", "press", "line", "bank", "works",
    "sheffield", "oxford", "stafford", "bradford", "guildford", "hereford", "salford", "milford", "bedford",
    "stockholm", "bornholm", "norwich", "ipswich", "warwick", "berwick", "alnwick", "keswick", "hardwick",
    "lisbon", "london", "canton", "dayton", "fenton", "kenton", "benton", "belfast", "damascus", "tobago", "tokyo",
    "kyoto", "osaka", "ohio", "iowa", "utah", "texas", "idaho", "reno", "napa", "sedona", "barcelona", "ancona",
    "cremona", "pamplona", "arizona", "daytona", "ramona", "fiorello", "ottawa", "geneva", "vienna", "verdun",
    "rivera", "vega", "luna", "diana", "gilda", "magda", "olga", "inga", "freya", "greta", "petra", "berta",
    "bertha", "martha", "agatha", "lilith", "judith", "edith", "meredith", "kenneth", "gareth", "seth", "beth",
    "elizabeth", "keith", "heath", "smith", "faith", "dalia", "nokia", "kodak", "sony", "toyota", "mazda", "honda",
    "volvo", "fiat", "audi", "lada", "skoda", "tesla", "inane", "arcane", "insane", "humane", "mundane", "profane",
    "crane", "plane", "elven", "given", "riven", "woven", "even", "craven", "proven", "bard", "tribal", "vital",
    "metal", "petal", "total", "royal", "loyal", "mortal", "portal", "polar", "solar", "lunar", "sugar", "cigar",
    "radar", "molar", "cedar", "taken", "woken", "alien", "often", "tennis", "axis", "basis", "oasis", "crisis",
    "thesis", "mavis", "tunis", "genesis", "venus", "bonus", "minus", "virus", "focus", "lotus", "locus", "chorus",
    // Offensive words the syllables could spell.
    "anal", "penis", "semen", "anus", "vagina", "nazi", "rape", "rapist", "slut", "whore", "dick", "cock", "fuck",
    "shit", "piss", "tits", "homo", "negro", "nigga", "kike", "spic", "dyke", "slave", "sodom", "damn", "satan",
    "devil", "bitch", "bastard", "wanker", "tosser", "poop", "fart", "turd", "pussy", "boob", "boobs",
};

bool isVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

// Pronounceable enough: 4..10 letters, no run of three consonants, three vowels or three
// equal letters, not a stoplisted word.
bool acceptableStem(const std::string& s) {
  static const std::unordered_set<std::string_view> stop(std::begin(kStoplist), std::end(kStoplist));
  if (s.size() < 4 || s.size() > 10) return false;
  int consonants = 0, vowels = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (isVowel(s[i])) {
      consonants = 0;
      if (++vowels == 3) return false;
    } else {
      vowels = 0;
      if (++consonants == 3) return false;
    }
    if (i >= 2 && s[i] == s[i - 1] && s[i] == s[i - 2]) return false;
  }
  return stop.count(s) == 0;
}

// In place: a by-value version trips GCC 12's -Wmaybe-uninitialized on moved-from temporaries.
void capitalise(std::string& s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
}

std::string lowered(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

enum class Style { kFirst, kSurname, kPlace, kWord };

// ------------------------------------------------------------------------------------------
// Text: "{key}" templates.
class Vars {
 public:
  void set(std::string_view key, std::string value) {
    for (auto& [k, v] : kv_)
      if (k == key) {
        v = std::move(value);
        return;
      }
    kv_.emplace_back(key, std::move(value));
  }
  const std::string& get(std::string_view key) const {
    for (const auto& [k, v] : kv_)
      if (k == key) return v;
    SPUR_CHECK(false, cat("template variable {", key, "} not set"));
    return kv_.front().second;
  }

 private:
  std::vector<std::pair<std::string_view, std::string>> kv_;
};

std::string fill(std::string_view tpl, const Vars& vars) {
  std::string out;
  out.reserve(tpl.size() + 48);
  for (std::size_t i = 0; i < tpl.size();) {
    if (tpl[i] == '{') {
      const std::size_t close = tpl.find('}', i);
      out += vars.get(tpl.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      out += tpl[i++];
    }
  }
  return out;
}

int countWords(std::string_view s) {
  int n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// "A", "A and B", "A, B and C".
std::string listText(const std::vector<std::string>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += i + 1 == items.size() ? " and " : ", ";
    s += items[i];
  }
  return s;
}

// Filler: vague sentences that state no fact of the graph (and no number), so nothing they say
// can contradict a fact. {X} is another person of the world, {Xc} a city: names that a
// retriever will match but that answer nothing.
constexpr const char* kGenericFiller[] = {
    "Sources from this period are incomplete, and several dates remain uncertain.",
    "Later historians have revisited the surviving documents in some detail.",
    "A number of contemporary accounts disagree on minor points.",
    "Much of the original documentation was lost over the following decades.",
    "The subject attracted renewed attention in the late twentieth century.",
    "Local newspapers covered these developments only briefly.",
    "Surviving photographs from the time are held in private collections.",
    "Some details of this account rely on a single surviving source.",
    "A short study published much later corrected several earlier errors.",
    "Oral accounts collected by local historians add colour but little certainty.",
    "The relevant files were catalogued only recently.",
    "Contemporary opinion on these matters was sharply divided.",
    "Several letters from the period were published in an annotated edition.",
    "A small exhibition later brought some of this material to public attention.",
    "Archival research has filled some of the gaps left by earlier accounts.",
    "Popular retellings have added details that cannot be verified.",
    "The episode is mentioned only in passing in most general histories.",
    "Further records may survive in private hands.",
    "An early account of these years was reprinted with corrections.",
    "The surviving correspondence gives a partial but vivid picture.",
};
constexpr const char* kPersonFiller[] = {
    "{S} was known among contemporaries for an unusually methodical way of working.",
    "Letters written by {S} during these years were later collected and annotated.",
    "{S} rarely gave interviews and kept a small circle of friends.",
    "Several biographers have described {S} as restless and exacting.",
    "{He} travelled widely and often spent months away from home.",
    "Accounts of {his} temperament differ considerably between sources.",
    "{S} was a keen walker and an enthusiastic amateur gardener.",
    "{S} corresponded for many years with {X}.",
    "{S} visited {Xc} several times and wrote warmly about the city.",
    "Contemporary reviews of {his} output were mixed but mostly respectful.",
    "{S} was elected to several learned societies.",
    "Friends remembered {him} as generous, if occasionally difficult.",
    "{His} notebooks show a habit of revising the same idea many times.",
    "{S} took a close interest in the training of younger colleagues.",
    "A portrait of {S} hangs in a public gallery in {Xc}.",
    "In {his} spare time {S} collected maps and old instruments.",
    "{He} spoke several languages and read widely outside {his} field.",
    "Public recognition came slowly, and mostly late in {his} life.",
    "{S} disliked publicity and declined a number of honours.",
    "{S} and {X} were often mentioned together by critics, though they rarely met.",
    "A collection of {his} papers is held in an archive in {Xc}.",
    "{S} lectured occasionally but never held a permanent teaching post.",
    "{S} was said to work late into the night and to sleep little.",
    "A short memoir by a former assistant describes {his} daily routine.",
    "{His} handwriting was notoriously difficult to read.",
    "{S} kept up a long friendship with {X}, despite frequent disagreements.",
    "Several of {his} early drafts were rediscovered in a library in {Xc}.",
    "{S} was admired by younger colleagues for {his} patience.",
    "{He} disliked travel by sea and avoided it whenever possible.",
    "A street in {Xc} was later named after {him}.",
    "{S} took part in several public debates on matters of taste and method.",
    "Critics have linked {his} approach to that of {X}.",
    "{S} left detailed instructions for the care of {his} collections.",
    "{He} was a regular visitor to the reading rooms of {Xc}.",
};
constexpr const char* kEarlyFiller[] = {
    "{He} showed an early aptitude for the work that would define {his} career.",
    "Little is known about {his} parents beyond their names in a parish register.",
    "As a child {S} was often ill and was taught largely at home.",
    "{He} left school early and educated {himself} through wide reading.",
    "An older relative encouraged {his} first serious efforts.",
    "{S} moved several times during {his} youth.",
    "The family's circumstances were modest but stable.",
    "{His} first teacher later recalled a quiet and stubborn pupil.",
};
constexpr const char* kOrgFiller[] = {
    "The {noun} has been reorganised several times since its creation.",
    "{N} maintains an archive that is open to researchers by appointment.",
    "During its busiest years the {noun} employed a large seasonal staff.",
    "The {noun} weathered several financial crises in its early decades.",
    "Its original building was replaced by a larger one within a generation.",
    "{N} published an annual report that is now a useful historical source.",
    "Disputes among its directors were common in the early years.",
    "The {noun} opened a branch office in {Xc} for a time.",
    "Its records are partly held in a municipal archive.",
    "{N} has been the subject of two institutional histories.",
    "The {noun}'s emblem has changed little since it was first adopted.",
    "Critics accused the {noun} of conservatism in its later years.",
    "{X} once described the {noun} as the most orderly institution of its kind.",
    "The {noun} survived a serious fire that destroyed part of its early records.",
    "Its directors were drawn largely from a small number of local families.",
    "The {noun} moved its offices twice within the same district.",
    "{X} served for a time on its advisory board.",
    "Its accounts were audited publicly after a dispute among shareholders.",
    "The {noun} sponsored a small scholarship for students from {Xc}.",
    "A commemorative volume marked one of its anniversaries.",
};
constexpr const char* kCityFiller[] = {
    "{N} has a temperate climate with cool, wet winters.",
    "The old town of {N} is known for its narrow streets and stone bridges.",
    "A weekly market has been held in {N} for centuries.",
    "The economy of {N} was long dominated by river trade.",
    "{N} is linked to {Xc} by a railway line opened in the nineteenth century.",
    "Its main square is lined with merchants' houses.",
    "The population of {N} grew rapidly during the industrial period.",
    "Several churches in {N} date from its earliest years.",
    "{N} suffered serious flooding on more than one occasion.",
    "The municipal library of {N} holds a notable collection of maps.",
    "Tourism has become an important part of the local economy.",
    "The city is divided into several historic districts.",
    "A botanical garden on the edge of {N} is popular with visitors.",
    "Its harbour, now mostly silted up, once handled a busy coastal trade.",
    "{N} is twinned with {Xc}.",
    "A large fire destroyed much of the wooden old quarter in its early history.",
    "The town hall of {N} is its best-known building.",
    "{X} described {N} as a city of bells and bridges.",
    "Its football club has a long local rivalry with that of {Xc}.",
};
constexpr const char* kRegionFiller[] = {
    "{N} is largely rural, with scattered villages and farmland.",
    "The landscape of {N} ranges from low hills to marshy coast.",
    "Its dialect differs noticeably from those of neighbouring regions.",
    "{N} has a long tradition of wool and timber production.",
    "Roads across {N} were poor until the late nineteenth century.",
    "The region is known for its mild summers and long autumns.",
    "{N} has been administered as a single district since its formation.",
    "Several nature reserves protect its wetlands and forests.",
    "Emigration from {N} was heavy during periods of poor harvests.",
    "The region's folk music has been collected by several researchers.",
    "{N} borders several other regions along a line of low hills.",
    "A railway across {N} was completed after long delays.",
    "Its coast is dotted with small fishing harbours.",
    "{X} wrote a travel account of a journey through {N}.",
};
constexpr const char* kWorkFiller[] = {
    "Critics praised the {noun}'s structure but found its ending abrupt.",
    "{N} sold modestly at first and found a wider audience later.",
    "The {noun} has been reissued several times.",
    "Several scholars have written about its treatment of memory and loss.",
    "Early reviews of {N} were divided.",
    "Its title has been interpreted in several ways.",
    "{N} is now regarded as an important example of its period.",
    "A revised version appeared some years after the first.",
    "The {noun} drew on material gathered over many years.",
    "Some critics considered {N} the most ambitious work of its kind at the time.",
    "{X} later named the {noun} as an early influence.",
    "The {noun} was briefly banned in {Xc} for reasons that remain unclear.",
    "Its reception abroad was warmer than at home.",
    "A translation appeared within a few years of its release.",
    "{X} criticised the {noun} in a long and hostile review.",
    "The {noun} was shown or performed in {Xc} to a mixed response.",
    "Later editions restored passages cut from the original.",
    "The {noun}'s opening is among its most discussed passages.",
};
constexpr const char* kEventFiller[] = {
    "Attendance exceeded the organisers' expectations.",
    "Bad weather disrupted part of the programme.",
    "Several participants travelled from {Xc} to take part.",
    "The {N} was widely reported in the press of the day.",
    "The organisers struggled with a shortage of funds in the final weeks.",
    "Commemorative medals were struck for the occasion.",
    "A temporary hall was built to house the main programme.",
    "The results were disputed by some of the entrants.",
    "Accounts of the closing ceremony vary in their details.",
    "Plans for a second edition were discussed but never carried out.",
    "{X} attended as a guest and later wrote a short account of it.",
    "Ticket prices were criticised as too high for ordinary visitors.",
    "A special train brought visitors from {Xc}.",
    "Several foreign delegations were present.",
    "The judging panel included {X}.",
    "An illustrated catalogue was printed for the occasion.",
    "Some entrants withdrew in protest before the final day.",
};

// ------------------------------------------------------------------------------------------
struct Entity {
  Kind kind = kPerson;
  int world = 0;
  std::string name, title;
  std::string first, stem;  // a person's first name and surname; the invented word of other names
  std::vector<std::string> aliases;
  int sub = 0;  // occupation, organisation kind, work kind or event kind
  bool female = false;
  bool homonym = false;  // shares its name with another entity of its world
  int join_year = 0;     // when a person joined their employer; 0: not stated
  std::array<int, kNumRels> v;                // a year or an entity index; -1: does not apply
  std::vector<std::pair<Rel, int>> stated;    // (relation, draft passage) where a fact is stated
  // Reverse edges, for other entities' pages.
  std::vector<int> born_here, hq_here, events_here, cities, staff, founded, works, published, organised, won;
  Entity() { v.fill(-1); }
};

// One passage being written.
struct Page {
  std::string text;
  int words = 0;
  std::vector<std::pair<int, Rel>> facts;  // (entity, relation) the page states
  std::vector<const char*> fillers;        // filler templates used
  void add(const std::string& sentence) {
    if (!text.empty()) text += ' ';
    text += sentence;
    words += countWords(sentence);
  }
  void fact(int entity, Rel r) { facts.emplace_back(entity, r); }
};

struct Draft {
  int world = 0;
  std::string title, text;
};

struct Article {
  int first = 0, count = 0;  // drafts [first, first + count)
};

// A question under construction: the chain of facts it relies on.
struct QDraft {
  std::string text, type;
  int hops = 0;
  std::string answer;
  std::vector<std::string> aliases;
  std::vector<std::pair<int, Rel>> chain;
  bool answer_in_question_ok = false;  // comparison: the answer is one of the two names asked about
};

// How many entities of one kind have value x for relation a, y for b, and both.
struct ValueCounts {
  std::unordered_map<int, int> a, b;
  std::unordered_map<uint64_t, int> both;
};
uint64_t pairKey(int x, int y) { return static_cast<uint64_t>(static_cast<uint32_t>(x)) << 32 | static_cast<uint32_t>(y); }

// The per-article state of the text generator.
struct ArticleCtx {
  int id = 0;
  Vars vars;
  std::vector<char> used_own, used_early, used_generic;
};

class Generator {
 public:
  explicit Generator(const WorldOptions& o) : o_(o), rng_(o.seed ^ 0x5350555253454152ull) {}
  GeneratedWorld run();

 private:
  // names
  std::string rawStem(Style style);
  std::string freshStem(Style style);
  std::string mutatedStem(const std::string& stem);
  int add(Kind k, int world);
  // world
  void buildWorld(int world, int64_t n);
  void makeRegions(int w, int64_t n);
  void makeCities(int w, int64_t n);
  void makePersons(int w, int64_t n);
  void makeOrgs(int w, int64_t n);
  void assignEmployers(int w);
  void makeWorks(int w, int64_t n);
  void makeEvents(int w, int64_t n);
  void setTitles(int w);
  // text
  void renderWorld(int w);
  void renderArticle(int id);
  void renderPerson(ArticleCtx& c);
  void renderOrg(ArticleCtx& c);
  void renderCity(ArticleCtx& c);
  void renderRegion(ArticleCtx& c);
  void renderWork(ArticleCtx& c);
  void renderEvent(ArticleCtx& c);
  void renderDisambiguation(int a, int b);
  void extraPassages(ArticleCtx& c);
  void sayFact(ArticleCtx& c, Page& pg, Rel r);
  void pad(ArticleCtx& c, Page& pg, const std::vector<const char*>& own, std::vector<char>& used_own);
  void emit(ArticleCtx& c, Page&& pg);
  void emitTitled(int world, const std::string& title, Page&& pg);
  std::vector<int> sample(const std::vector<int>& from, std::size_t at_most);
  // questions
  std::vector<SearchQuestion> makeQuestions(int w, int64_t n, const std::string& prefix);
  bool single(int w, QDraft& q);
  bool bridge(int w, int hops, QDraft& q);
  bool comparison(int w, QDraft& q);
  bool intersection(int w, QDraft& q);
  std::string ref(int e) const;
  std::string ask(Rel r, int subject, const std::string& s);
  std::string nounPhrase(Rel r, int subject, const std::string& s, bool s_is_name);
  void setAnswer(QDraft& q, int subject, Rel r) const;

  const WorldOptions o_;
  Rng rng_;
  std::vector<Entity> ents_;
  std::array<std::array<std::vector<int>, kNumKinds>, 2> of_kind_;
  std::array<std::vector<std::pair<int, int>>, 2> homonym_pairs_;
  std::array<std::array<ValueCounts, 3>, 2> value_counts_;  // per world, per intersection form
  std::unordered_set<std::string> used_stems_;  // lower case, over both worlds
  std::vector<Draft> drafts_;
  std::vector<Article> articles_;
};

// ------------------------------------------------------------------------------------------
// Names

std::string Generator::rawStem(Style style) {
  const int syllables = 1 + (rng_.chance(style == Style::kFirst ? 0.3 : 0.5) ? 1 : 0);
  std::string s;
  bool coda = false;
  for (int i = 0; i < syllables; ++i) {
    if (i == 0) {
      if (!rng_.chance(0.15)) s += rng_.pick(kOnsets);
    } else {
      s += coda ? rng_.pick(kSimpleOnsets) : rng_.pick(kOnsets);
    }
    s += rng_.pick(kVowels);
    coda = rng_.chance(0.35);
    if (coda) s += rng_.pick(kCodas);
  }
  std::string_view end;
  switch (style) {
    case Style::kFirst: end = rng_.pick(kFirstEnds); break;
    case Style::kSurname: end = rng_.pick(kSurnameEnds); break;
    case Style::kPlace: end = rng_.pick(kPlaceEnds); break;
    case Style::kWord: end = rng_.pick(kWordEnds); break;
  }
  if (isVowel(s.back()) && isVowel(end.front())) s += rng_.pick(kSimpleOnsets);
  s += end;
  return s;
}

// A word never used before in either world: this, not a check of whole names, is what keeps
// the worlds disjoint word by word.
std::string Generator::freshStem(Style style) {
  for (int attempt = 0;; ++attempt) {
    SPUR_CHECK(attempt < 1000000, "search world: the name generator ran out of names");
    std::string s = rawStem(style);
    if (acceptableStem(s) && used_stems_.insert(s).second) {
      capitalise(s);
      return s;
    }
  }
}

// The stem with one vowel changed ("Kelvar" -> "Kelver"), itself unused; "" if none is found.
// A substitution, not a deletion: a deleted letter would make one name a substring of the
// other, and then an answer would "occur" in the wrong entity's passage.
std::string Generator::mutatedStem(const std::string& stem) {
  static constexpr char kPlain[] = {'a', 'e', 'i', 'o', 'u'};
  const std::string low = lowered(stem);
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto i = static_cast<std::size_t>(rng_.below(static_cast<int64_t>(low.size())));
    if (!isVowel(low[i]) || low[i] == 'y') continue;
    const char c = kPlain[rng_.below(5)];
    if (c == low[i]) continue;
    std::string t = low;
    t[i] = c;
    if (acceptableStem(t) && used_stems_.insert(t).second) {
      capitalise(t);
      return t;
    }
  }
  return "";
}

int Generator::add(Kind k, int world) {
  Entity e;
  e.kind = k;
  e.world = world;
  ents_.push_back(std::move(e));
  const int id = static_cast<int>(ents_.size()) - 1;
  of_kind_[static_cast<std::size_t>(world)][k].push_back(id);
  return id;
}

// ------------------------------------------------------------------------------------------
// The fact graph

void Generator::buildWorld(int w, int64_t n) {
  makeRegions(w, std::max<int64_t>(2, n * 3 / 100));
  makeCities(w, std::max<int64_t>(6, n * 12 / 100));
  const int64_t orgs = std::max<int64_t>(6, n * 15 / 100);
  const int64_t works = std::max<int64_t>(6, n * 18 / 100);
  const int64_t events = std::max<int64_t>(4, n * 10 / 100);
  const int64_t persons = n - static_cast<int64_t>(of_kind_[w][kRegion].size() + of_kind_[w][kCity].size()) - orgs - works - events;
  makePersons(w, persons);
  makeOrgs(w, orgs);
  assignEmployers(w);
  makeWorks(w, works);
  makeEvents(w, events);
  setTitles(w);
}

void Generator::makeRegions(int w, int64_t n) {
  static constexpr const char* kSuffix[] = {"Coast", "Valley", "Highlands", "Marches", "Lowlands", "Reach"};
  for (int64_t i = 0; i < n; ++i) {
    Entity& e = ents_[static_cast<std::size_t>(add(kRegion, w))];
    e.stem = freshStem(Style::kPlace);
    e.name = rng_.chance(0.5) ? e.stem : cat(e.stem, " ", rng_.pick(kSuffix));
  }
}

void Generator::makeCities(int w, int64_t n) {
  static constexpr const char* kPrefix[] = {"Port", "Fort", "New", "Saint", "Upper"};
  static constexpr const char* kSuffix[] = {"Falls", "Bay", "Crossing", "Harbour", "Wells"};
  const auto& regions = of_kind_[w][kRegion];
  for (int64_t i = 0; i < n; ++i) {
    const int id = add(kCity, w);
    const auto& cities = of_kind_[w][kCity];
    std::string stem;
    if (i >= 4 && rng_.chance(0.05)) stem = mutatedStem(ents_[static_cast<std::size_t>(cities[rng_.below(i)])].stem);
    if (stem.empty()) stem = freshStem(Style::kPlace);
    Entity& e = ents_[static_cast<std::size_t>(id)];
    e.stem = stem;
    const int form = rng_.range(0, 9);
    if (form < 5) {
      e.name = stem;
    } else if (form < 7) {
      e.name = cat(rng_.pick(kPrefix), " ", stem);
      e.aliases.push_back(stem);
    } else {
      e.name = cat(stem, " ", rng_.pick(kSuffix));
      e.aliases.push_back(stem);
    }
    // The first cities seed every region, so each region has a capital.
    const int region = static_cast<std::size_t>(i) < regions.size() ? regions[static_cast<std::size_t>(i)] : rng_.pick(regions);
    e.v[kLocatedIn] = region;
    e.v[kFoundingYear] = rng_.range(1100, 1750);
    Entity& r = ents_[static_cast<std::size_t>(region)];
    r.cities.push_back(id);
    if (r.v[kCapital] < 0) r.v[kCapital] = id;
  }
}

void Generator::makePersons(int w, int64_t n) {
  // Shared first names (a world's people are not all uniquely named), fresh surnames.
  std::vector<std::string> firsts;
  for (int64_t i = 0, k = std::max<int64_t>(8, n / 5); i < k; ++i) firsts.push_back(freshStem(Style::kFirst));
  const auto& cities = of_kind_[w][kCity];
  for (int64_t i = 0; i < n; ++i) {
    const int id = add(kPerson, w);
    const auto& persons = of_kind_[w][kPerson];
    Entity& e = ents_[static_cast<std::size_t>(id)];
    e.sub = rng_.range(0, kNumOccupations - 1);
    e.female = rng_.chance(0.5);
    const int birth = rng_.range(1780, 1975);
    e.v[kBirthYear] = birth;
    const int death = birth + rng_.range(48, 96);
    if (death <= 2023) e.v[kDeathYear] = death;
    e.v[kBornIn] = rng_.pick(cities);
    ents_[static_cast<std::size_t>(e.v[kBornIn])].born_here.push_back(id);

    const double roll = i >= 10 ? static_cast<double>(rng_.below(1000)) / 1000.0 : 1.0;
    if (roll < 0.04) {  // a homonym of an earlier person, with another occupation
      const int j = persons[static_cast<std::size_t>(rng_.below(i))];
      Entity& other = ents_[static_cast<std::size_t>(j)];
      if (!other.homonym) {
        while (e.sub == other.sub) e.sub = rng_.range(0, kNumOccupations - 1);
        e.first = other.first;
        e.stem = other.stem;
        e.homonym = other.homonym = true;
        homonym_pairs_[static_cast<std::size_t>(w)].emplace_back(j, id);
      }
    } else if (roll < 0.09) {  // a near-duplicate of an earlier person's name
      const Entity& other = ents_[static_cast<std::size_t>(persons[static_cast<std::size_t>(rng_.below(i))])];
      e.stem = mutatedStem(other.stem);
      if (!e.stem.empty()) e.first = other.first;
    }
    if (e.stem.empty()) {
      e.first = rng_.pick(firsts);
      e.stem = freshStem(Style::kSurname);
    }
    e.name = cat(e.first, " ", e.stem);
    e.aliases.push_back(e.stem);
  }
}

void Generator::makeOrgs(int w, int64_t n) {
  static constexpr const char* kPrefix[] = {"Royal", "New", "United", "First"};
  const auto& persons = of_kind_[w][kPerson];
  const auto& cities = of_kind_[w][kCity];
  for (int64_t i = 0; i < n; ++i) {
    const int id = add(kOrg, w);
    const auto& orgs = of_kind_[w][kOrg];
    int kind;
    if (i < 3) {
      kind = static_cast<int>(i);  // a publisher of each work kind exists
    } else if (rng_.chance(0.4)) {
      const int r = rng_.range(0, 19);
      kind = r < 11 ? 0 : r < 16 ? 1 : 2;
    } else {
      kind = rng_.range(3, kNumOrgKinds - 1);
    }
    std::string stem;
    if (i >= 4 && rng_.chance(0.05)) {
      const int j = orgs[static_cast<std::size_t>(rng_.below(i))];
      stem = mutatedStem(ents_[static_cast<std::size_t>(j)].stem);
      if (!stem.empty()) kind = ents_[static_cast<std::size_t>(j)].sub;  // "Kelvar Press" / "Kelver Press"
    }
    if (stem.empty()) stem = freshStem(Style::kWord);
    // A founder who founded nothing yet, if one is found quickly; founded in their adult life.
    int founder = rng_.pick(persons);
    for (int t = 0; t < 30 && !ents_[static_cast<std::size_t>(founder)].founded.empty(); ++t) founder = rng_.pick(persons);
    Entity& f = ents_[static_cast<std::size_t>(founder)];
    // Drawn within the founder's adult life (not drawn and then clipped, which would pile the
    // foundings up in the year before the founder's death).
    const int latest = std::min({f.v[kBirthYear] + 55, f.v[kDeathYear] > 0 ? f.v[kDeathYear] - 1 : 2018, 2018});
    const int year = rng_.range(std::min(f.v[kBirthYear] + 25, latest), latest);
    f.founded.push_back(id);

    Entity& e = ents_[static_cast<std::size_t>(id)];
    e.sub = kind;
    e.stem = stem;
    const std::string plain = cat(stem, " ", kOrgKinds[kind].word);
    if (rng_.chance(0.2)) {
      e.name = cat(rng_.pick(kPrefix), " ", plain);
      e.aliases.push_back(plain);
    } else {
      e.name = plain;
    }
    e.aliases.push_back(stem);
    e.v[kFoundedBy] = founder;
    e.v[kFoundingYear] = year;
    e.v[kHq] = rng_.pick(cities);
    ents_[static_cast<std::size_t>(e.v[kHq])].hq_here.push_back(id);
  }
}

// Organisations of `ids` sorted by founding year, for "one that existed by year Y" draws.
std::vector<std::pair<int, int>> byFounding(const std::vector<Entity>& ents, const std::vector<int>& ids) {
  std::vector<std::pair<int, int>> out;
  out.reserve(ids.size());
  for (int id : ids) out.emplace_back(ents[static_cast<std::size_t>(id)].v[kFoundingYear], id);
  std::sort(out.begin(), out.end());
  return out;
}

// A random organisation founded no later than `year`, or the oldest one when none is.
int foundedBy(Rng& rng, const std::vector<std::pair<int, int>>& sorted, int year) {
  const auto end = std::upper_bound(sorted.begin(), sorted.end(), std::make_pair(year, INT32_MAX));
  const int64_t n = end - sorted.begin();
  return n == 0 ? sorted.front().second : sorted[static_cast<std::size_t>(rng.below(n))].second;
}

void Generator::assignEmployers(int w) {
  const auto sorted = byFounding(ents_, of_kind_[w][kOrg]);
  for (int id : of_kind_[w][kPerson]) {
    Entity& e = ents_[static_cast<std::size_t>(id)];
    const int birth = e.v[kBirthYear];
    const int org = foundedBy(rng_, sorted, birth + 45);
    e.v[kEmployer] = org;
    ents_[static_cast<std::size_t>(org)].staff.push_back(id);
    const int join = std::max(birth + rng_.range(19, 30), ents_[static_cast<std::size_t>(org)].v[kFoundingYear] + 1);
    const bool alive_then = e.v[kDeathYear] < 0 || join < e.v[kDeathYear];
    e.join_year = alive_then && join <= 2023 ? join : 0;
  }
}

void Generator::makeWorks(int w, int64_t n) {
  static constexpr const char* kNouns[] = {"Letters", "Harbour", "Orchard", "Lanterns", "Tides", "Archive", "Garden",
                                           "Mirror", "Ledger", "Voyage", "Hours", "Bells", "Meridian", "Chronicle",
                                           "Season", "Crossing", "Lighthouse", "Atlas", "Quarry", "Inheritance"};
  static constexpr const char* kPlurals[] = {"Nights", "Songs", "Variations", "Sketches", "Years", "Stories",
                                             "Rooms", "Rivers", "Fields", "Elegies", "Dances", "Portraits"};
  std::array<std::vector<int>, 3> creators;
  for (int id : of_kind_[w][kPerson]) {
    const int c = kOccupations[ents_[static_cast<std::size_t>(id)].sub].creates;
    if (c != kNoWork) creators[static_cast<std::size_t>(c)].push_back(id);
  }
  std::array<std::vector<int>, 3> publishers;
  for (int id : of_kind_[w][kOrg]) {
    const int p = kOrgKinds[ents_[static_cast<std::size_t>(id)].sub].publishes;
    if (p != kNoWork) publishers[static_cast<std::size_t>(p)].push_back(id);
  }
  std::array<std::vector<std::pair<int, int>>, 3> sorted;
  for (int k = 0; k < 3; ++k) sorted[static_cast<std::size_t>(k)] = byFounding(ents_, publishers[static_cast<std::size_t>(k)]);

  for (int64_t i = 0; i < n; ++i) {
    const int id = add(kWork, w);
    const auto& works = of_kind_[w][kWork];
    const int r = rng_.range(0, 19);
    const int kind = r < 11 ? kBook : r < 16 ? kAlbum : kFilm;
    const auto& pool = creators[static_cast<std::size_t>(kind)].empty() ? of_kind_[w][kPerson] : creators[static_cast<std::size_t>(kind)];
    const int creator = rng_.pick(pool);
    const Entity& c = ents_[static_cast<std::size_t>(creator)];
    const int latest = std::min(c.v[kBirthYear] + 70, c.v[kDeathYear] > 0 ? c.v[kDeathYear] : 2023);
    int year = rng_.range(std::min(c.v[kBirthYear] + 22, latest), latest);
    const int publisher = foundedBy(rng_, sorted[static_cast<std::size_t>(kind)], year - 1);
    year = std::max(year, ents_[static_cast<std::size_t>(publisher)].v[kFoundingYear] + 1);  // posthumous at worst

    Entity& e = ents_[static_cast<std::size_t>(id)];
    e.sub = kind;
    e.v[kCreatedBy] = creator;
    e.v[kPublishedBy] = publisher;
    e.v[kReleaseYear] = year;
    ents_[static_cast<std::size_t>(creator)].works.push_back(id);
    ents_[static_cast<std::size_t>(publisher)].published.push_back(id);

    if (i >= 10 && rng_.chance(0.04)) {  // a homonym of an earlier work of another kind
      Entity& other = ents_[static_cast<std::size_t>(works[static_cast<std::size_t>(rng_.below(i))])];
      if (!other.homonym && other.sub != kind) {
        e.name = other.name;
        e.stem = other.stem;
        e.aliases = other.aliases;
        e.homonym = other.homonym = true;
        continue;
      }
    }
    e.stem = freshStem(Style::kWord);
    const int form = rng_.range(0, 9);
    if (form < 4) {
      const std::string rest = cat(e.stem, " ", rng_.pick(kNouns));
      e.name = cat("The ", rest);
      e.aliases.push_back(rest);
    } else if (form < 8) {
      e.name = cat(e.stem, " ", rng_.pick(kPlurals));
    } else {
      e.name = e.stem;
    }
  }
}

void Generator::makeEvents(int w, int64_t n) {
  const auto sorted = byFounding(ents_, of_kind_[w][kOrg]);
  const auto& persons = of_kind_[w][kPerson];
  for (int64_t i = 0; i < n; ++i) {
    const int id = add(kEvent, w);
    Entity& e = ents_[static_cast<std::size_t>(id)];
    e.sub = rng_.range(0, kNumEventKinds - 1);
    e.stem = freshStem(Style::kWord);
    const std::string plain = cat(e.stem, " ", kEventKinds[e.sub].word);
    if (rng_.chance(0.2)) {
      e.name = cat("Grand ", plain);
      e.aliases.push_back(plain);
    } else {
      e.name = plain;
    }
    int year = rng_.range(1850, 2020);
    const int organiser = foundedBy(rng_, sorted, year - 1);
    year = std::max(year, ents_[static_cast<std::size_t>(organiser)].v[kFoundingYear] + 1);
    // A winner who was an adult and alive that year.
    auto fits = [&](int p) {
      const Entity& x = ents_[static_cast<std::size_t>(p)];
      return x.v[kBirthYear] + 18 <= year && (x.v[kDeathYear] < 0 || x.v[kDeathYear] >= year);
    };
    int winner = rng_.pick(persons);
    for (int t = 0; t < 60 && !fits(winner); ++t) winner = rng_.pick(persons);
    if (!fits(winner))
      for (int p : persons)
        if (fits(p)) {
          winner = p;
          break;
        }
    e.v[kHeldIn] = rng_.pick(of_kind_[w][kCity]);
    e.v[kEventYear] = year;
    e.v[kOrganisedBy] = organiser;
    e.v[kWinner] = winner;
    ents_[static_cast<std::size_t>(e.v[kHeldIn])].events_here.push_back(id);
    ents_[static_cast<std::size_t>(organiser)].organised.push_back(id);
    ents_[static_cast<std::size_t>(winner)].won.push_back(id);
  }
}

void Generator::setTitles(int w) {
  for (const auto& ids : of_kind_[w])
    for (int id : ids) {
      Entity& e = ents_[static_cast<std::size_t>(id)];
      if (!e.homonym) {
        e.title = e.name;
      } else if (e.kind == kPerson) {
        e.title = cat(e.name, " (", kOccupations[e.sub].name, ")");
      } else {
        e.title = cat(e.name, " (", kWorkWord[e.sub], ")");
      }
    }
}

// ------------------------------------------------------------------------------------------
// Passages

std::vector<int> Generator::sample(const std::vector<int>& from, std::size_t at_most) {
  std::vector<int> out = from;
  if (out.size() > at_most) {
    rng_.shuffle(out);
    out.resize(at_most);
    std::sort(out.begin(), out.end());
  }
  return out;
}

void Generator::emitTitled(int world, const std::string& title, Page&& pg) {
  const int index = static_cast<int>(drafts_.size());
  for (const auto& [e, r] : pg.facts) ents_[static_cast<std::size_t>(e)].stated.emplace_back(r, index);
  drafts_.push_back(Draft{world, title, std::move(pg.text)});
}

void Generator::emit(ArticleCtx& c, Page&& pg) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  emitTitled(e.world, e.title, std::move(pg));
}

// Filler up to a random length in the 60-120 word band, avoiding repeats within an article
// while the banks last.
void Generator::pad(ArticleCtx& c, Page& pg, const std::vector<const char*>& own, std::vector<char>& used_own) {
  const int target = rng_.range(62, 98);
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  const auto& persons = of_kind_[e.world][kPerson];
  const auto& cities = of_kind_[e.world][kCity];
  int anchor = -1;  // a year in the entity's active time
  switch (e.kind) {
    case kPerson: anchor = e.v[kDeathYear] > 0 ? std::min(e.v[kBirthYear] + 40, e.v[kDeathYear]) : e.v[kBirthYear] + 40; break;
    case kOrg: anchor = e.v[kFoundingYear] + 15; break;
    case kWork: anchor = e.v[kReleaseYear]; break;
    case kEvent: anchor = e.v[kEventYear]; break;
    default: break;
  }
  anchor = std::min(anchor, 2023);
  while (pg.words < target) {
    const bool generic = rng_.chance(0.2);
    const char* const* bank = generic ? kGenericFiller : own.data();
    const std::size_t bank_size = generic ? std::size(kGenericFiller) : own.size();
    std::vector<char>& used = generic ? c.used_generic : used_own;
    if (used.size() != bank_size) used.assign(bank_size, 0);
    // Never twice in one passage; in one article, again only once the bank is used up.
    auto fresh = [&](std::size_t i) { return !used[i] && std::find(pg.fillers.begin(), pg.fillers.end(), bank[i]) == pg.fillers.end(); };
    const auto start = static_cast<std::size_t>(rng_.below(static_cast<int64_t>(bank_size)));
    std::size_t i = bank_size;
    for (int round = 0; round < 2 && i == bank_size; ++round) {
      if (round == 1) std::fill(used.begin(), used.end(), 0);
      for (std::size_t k = 0; k < bank_size && i == bank_size; ++k)
        if (fresh((start + k) % bank_size)) i = (start + k) % bank_size;
    }
    if (i == bank_size) break;  // the passage holds the whole bank: cannot happen with these sizes
    used[i] = 1;
    pg.fillers.push_back(bank[i]);
    // Names a filler mentions are never the entity itself or one of its values ("the judging
    // panel included" its winner, a city "twinned with" itself), and a person it mentions was
    // an adult alive in the entity's time, where it has one.
    auto fits = [&](int x) {
      if (x == c.id || std::find(e.v.begin(), e.v.end(), x) != e.v.end()) return false;
      const Entity& o = ents_[static_cast<std::size_t>(x)];
      if (o.kind != kPerson || anchor < 0) return true;
      return o.v[kBirthYear] + 18 <= anchor && (o.v[kDeathYear] < 0 || o.v[kDeathYear] >= anchor);
    };
    auto unrelated = [&](const std::vector<int>& pool) {
      int x = rng_.pick(pool);
      for (int t = 0; t < 16 && !fits(x); ++t) x = rng_.pick(pool);
      return x;
    };
    c.vars.set("X", ents_[static_cast<std::size_t>(unrelated(persons))].name);
    c.vars.set("Xc", ents_[static_cast<std::size_t>(unrelated(cities))].name);
    pg.add(fill(bank[i], c.vars));
  }
}

std::vector<const char*> bankOf(Kind k) {
  auto v = [](const auto& a) { return std::vector<const char*>(std::begin(a), std::end(a)); };
  switch (k) {
    case kPerson: return v(kPersonFiller);
    case kOrg: return v(kOrgFiller);
    case kCity: return v(kCityFiller);
    case kRegion: return v(kRegionFiller);
    case kWork: return v(kWorkFiller);
    case kEvent: return v(kEventFiller);
    case kNumKinds: break;
  }
  return {};
}

// One sentence stating relation r of the article's entity, in one of several phrasings.
void Generator::sayFact(ArticleCtx& c, Page& pg, Rel r) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  auto nameOf = [&](Rel rel) { return ents_[static_cast<std::size_t>(e.v[rel])].name; };
  const char* t = nullptr;
  switch (r) {
    case kBirthYear: {
      static constexpr const char* k[] = {"{S} was born in {Y}.", "The year of {his} birth was {Y}.",
                                          "{S}'s birth in {Y} is recorded in a parish register."};
      t = rng_.pick(k);
      v.set("Y", yearText(e.v[r]));
      break;
    }
    case kBornIn: {
      static constexpr const char* k[] = {"{S} was born in {C}.", "{S} was born in the city of {C}.",
                                          "{C} was the birthplace of {S}.", "{S} was a native of {C}, where {he} was born."};
      t = rng_.pick(k);
      v.set("C", nameOf(r));
      break;
    }
    case kDeathYear: {
      static constexpr const char* k[] = {"{S} died in {Y}.", "{His} death in {Y} was widely reported.",
                                          "{S} died in {Y} after a short illness."};
      t = rng_.pick(k);
      v.set("Y", yearText(e.v[r]));
      break;
    }
    case kEmployer: {
      static constexpr const char* with_year[] = {"In {Y}, {S} joined {O}.", "{S} joined {O} in {Y}.",
                                                  "{S} began working for {O} in {Y}."};
      static constexpr const char* without[] = {"{S} worked for {O}.", "{S} was employed by {O} for much of {his} career.",
                                                "For many years {S} worked for {O}."};
      t = e.join_year > 0 && rng_.chance(0.6) ? rng_.pick(with_year) : rng_.pick(without);
      v.set("O", nameOf(r));
      v.set("Y", yearText(e.join_year));
      break;
    }
    case kFoundedBy: {
      static constexpr const char* k[] = {"{N} was founded by {P}.", "{P} founded {N}.", "The {noun} was established by {P}."};
      t = rng_.pick(k);
      v.set("P", nameOf(r));
      break;
    }
    case kFoundingYear: {
      static constexpr const char* org[] = {"{N} was founded in {Y}.", "The {noun} was established in {Y}.",
                                            "{N} has existed since its founding in {Y}."};
      static constexpr const char* city[] = {"{N} was founded in {Y}.", "The city was founded in {Y}.",
                                             "{N} was established as a settlement in {Y}."};
      t = e.kind == kCity ? rng_.pick(city) : rng_.pick(org);
      v.set("Y", yearText(e.v[r]));
      break;
    }
    case kHq: {
      static constexpr const char* k[] = {"{N} is headquartered in {C}.", "{N} has its headquarters in {C}.",
                                          "The {noun} is based in {C}."};
      t = rng_.pick(k);
      v.set("C", nameOf(r));
      break;
    }
    case kCreatedBy: {
      static constexpr const char* k[3][2] = {{"{N} was written by {P}.", "{P} wrote {N}."},
                                              {"{N} was recorded by {P}.", "{P} recorded {N}."},
                                              {"{N} was directed by {P}.", "{P} directed {N}."}};
      t = k[e.sub][rng_.below(2)];
      v.set("P", nameOf(r));
      break;
    }
    case kPublishedBy: {
      static constexpr const char* k[3][2] = {{"{N} was published by {O}.", "The novel was published by {O}."},
                                              {"{N} was released on the {O} label.", "The album was issued by {O}."},
                                              {"{N} was produced by {O}.", "The film was produced by {O}."}};
      t = k[e.sub][rng_.below(2)];
      v.set("O", nameOf(r));
      break;
    }
    case kReleaseYear: {
      static constexpr const char* k[3][2] = {{"{N} was first published in {Y}.", "The novel appeared in {Y}."},
                                              {"{N} was released in {Y}.", "The album came out in {Y}."},
                                              {"{N} was released in {Y}.", "The film premiered in {Y}."}};
      t = k[e.sub][rng_.below(2)];
      v.set("Y", yearText(e.v[r]));
      break;
    }
    case kLocatedIn: {
      static constexpr const char* k[] = {"{N} is a city in {R}.", "{N} lies in the region of {R}.", "{N} is located in {R}."};
      t = rng_.pick(k);
      v.set("R", nameOf(r));
      break;
    }
    case kCapital: {
      static constexpr const char* k[] = {"The capital of {N} is {C}.", "{C} is the capital of {N}.",
                                          "The regional capital of {N} is {C}."};
      t = rng_.pick(k);
      v.set("C", nameOf(r));
      break;
    }
    case kHeldIn: {
      static constexpr const char* k[] = {"{TN} was held in {C}.", "{C} hosted {tN}.", "{TN} took place in {C}."};
      t = rng_.pick(k);
      v.set("C", nameOf(r));
      break;
    }
    case kEventYear: {
      static constexpr const char* k[] = {"{TN} was held in {Y}.", "{TN} took place in {Y}.", "{TN} opened in {Y}."};
      t = rng_.pick(k);
      v.set("Y", yearText(e.v[r]));
      break;
    }
    case kOrganisedBy: {
      static constexpr const char* k[] = {"{TN} was organised by {O}.", "{O} organised {tN}.", "The event was organised by {O}."};
      t = rng_.pick(k);
      v.set("O", nameOf(r));
      break;
    }
    case kWinner: {
      static constexpr const char* k[] = {"The first prize at {tN} was awarded to {P}.", "{P} won the first prize at {tN}.",
                                          "First prize went to {P}."};
      t = rng_.pick(k);
      v.set("P", nameOf(r));
      break;
    }
    case kNumRels: break;
  }
  SPUR_CHECK(t != nullptr && e.v[r] >= 0, "search world: sayFact on a relation the entity lacks");
  pg.add(fill(t, v));
  pg.fact(c.id, r);
}

void Generator::renderArticle(int id) {
  const Entity& e = ents_[static_cast<std::size_t>(id)];
  ArticleCtx c;
  c.id = id;
  Vars& v = c.vars;
  v.set("N", e.name);
  v.set("F", e.name);
  v.set("S", e.kind == kPerson ? e.stem : e.name);
  v.set("TN", e.kind == kEvent ? cat("The ", e.name) : e.name);
  v.set("tN", e.kind == kEvent ? cat("the ", e.name) : e.name);
  const bool f = e.female;
  v.set("He", f ? "She" : "He");
  v.set("he", f ? "she" : "he");
  v.set("His", f ? "Her" : "His");
  v.set("his", f ? "her" : "his");
  v.set("him", f ? "her" : "him");
  v.set("himself", f ? "herself" : "himself");
  if (e.kind == kPerson) v.set("aocc", withArticle(kOccupations[e.sub].name));
  if (e.kind == kOrg) {
    v.set("noun", kOrgKinds[e.sub].noun);
    v.set("adesc", withArticle(kOrgKinds[e.sub].desc));
  }
  if (e.kind == kWork) v.set("noun", kWorkWord[e.sub]);
  if (e.kind == kEvent) v.set("adesc", withArticle(kEventKinds[e.sub].desc));

  Article a;
  a.first = static_cast<int>(drafts_.size());
  switch (e.kind) {
    case kPerson: renderPerson(c); break;
    case kOrg: renderOrg(c); break;
    case kCity: renderCity(c); break;
    case kRegion: renderRegion(c); break;
    case kWork: renderWork(c); break;
    case kEvent: renderEvent(c); break;
    case kNumKinds: break;
  }
  extraPassages(c);
  a.count = static_cast<int>(drafts_.size()) - a.first;
  articles_.push_back(a);
}

void Generator::renderPerson(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  const auto own = bankOf(kPerson);
  const auto early = std::vector<const char*>(std::begin(kEarlyFiller), std::end(kEarlyFiller));
  const bool dead = e.v[kDeathYear] > 0;
  v.set("BY", yearText(e.v[kBirthYear]));
  if (dead) v.set("DY", yearText(e.v[kDeathYear]));

  // Introduction: occupation and life dates.
  Page intro;
  if (dead) {
    static constexpr const char* k[] = {"{F} (born {BY}, died {DY}) was {aocc}.", "{F} was {aocc} who lived from {BY} to {DY}.",
                                        "{F} was {aocc}, born in {BY}, who died in {DY}."};
    intro.add(fill(rng_.pick(k), v));
    intro.fact(c.id, kDeathYear);
  } else {
    static constexpr const char* k[] = {"{F} (born {BY}) is {aocc}.", "{F} is {aocc} born in {BY}."};
    intro.add(fill(rng_.pick(k), v));
  }
  intro.fact(c.id, kBirthYear);
  if (!e.works.empty()) {
    v.set("W", ents_[static_cast<std::size_t>(rng_.pick(e.works))].name);
    intro.add(fill("{S} is best known for {W}.", v));
  } else if (!e.founded.empty()) {
    v.set("O", ents_[static_cast<std::size_t>(e.founded.front())].name);
    intro.add(fill("{S} is remembered chiefly in connection with {O}.", v));
  }
  pad(c, intro, own, c.used_own);
  emit(c, std::move(intro));

  // Early life: birthplace.
  Page early_life;
  sayFact(c, early_life, kBornIn);
  if (rng_.chance(0.5)) sayFact(c, early_life, kBirthYear);
  pad(c, early_life, early, c.used_early);
  emit(c, std::move(early_life));

  // Career: employer, organisations founded, works, prizes; death.
  Page career;
  sayFact(c, career, kEmployer);
  for (int o : sample(e.founded, 2)) {
    static constexpr const char* k[] = {"In {Y}, {S} founded {O}.", "{S} established {O} in {Y}.",
                                        "{S} founded {O} in {Y}."};
    const Entity& org = ents_[static_cast<std::size_t>(o)];
    v.set("O", org.name);
    v.set("Y", yearText(org.v[kFoundingYear]));
    career.add(fill(rng_.pick(k), v));
    career.fact(o, kFoundedBy);
    career.fact(o, kFoundingYear);
  }
  pad(c, career, own, c.used_own);
  emit(c, std::move(career));

  Page later;
  const auto works = sample(e.works, 4);
  if (works.size() == 1) {
    static constexpr const char* k[3] = {"{S} wrote the novel {W}, first published in {Y}.",
                                         "{S} recorded the album {W}, released in {Y}.",
                                         "{S} directed the film {W}, released in {Y}."};
    const Entity& work = ents_[static_cast<std::size_t>(works.front())];
    v.set("W", work.name);
    v.set("Y", yearText(work.v[kReleaseYear]));
    later.add(fill(k[work.sub], v));
    later.fact(works.front(), kCreatedBy);
    later.fact(works.front(), kReleaseYear);
  } else if (!works.empty()) {
    std::vector<std::string> items;
    for (int wk : works) {
      const Entity& work = ents_[static_cast<std::size_t>(wk)];
      items.push_back(cat(work.name, " (", yearText(work.v[kReleaseYear]), ")"));
      later.fact(wk, kCreatedBy);
      later.fact(wk, kReleaseYear);
    }
    v.set("list", listText(items));
    later.add(fill("{His} works include {list}.", v));
  }
  for (int ev : sample(e.won, 2)) {
    const Entity& event = ents_[static_cast<std::size_t>(ev)];
    v.set("E", event.name);
    v.set("Y", yearText(event.v[kEventYear]));
    static constexpr const char* k[] = {"{S} won the first prize at the {E} in {Y}.",
                                        "In {Y}, {S} was awarded the first prize at the {E}."};
    later.add(fill(rng_.pick(k), v));
    later.fact(ev, kWinner);
    later.fact(ev, kEventYear);
  }
  if (dead) sayFact(c, later, kDeathYear);
  pad(c, later, own, c.used_own);
  emit(c, std::move(later));
}

void Generator::renderOrg(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  const auto own = bankOf(kOrg);
  const OrgKind& kind = kOrgKinds[e.sub];
  v.set("C", ents_[static_cast<std::size_t>(e.v[kHq])].name);
  v.set("P", ents_[static_cast<std::size_t>(e.v[kFoundedBy])].name);
  v.set("Y", yearText(e.v[kFoundingYear]));

  Page intro;
  static constexpr const char* first[] = {"{N} is {adesc} based in {C}.", "{N} is {adesc} headquartered in {C}.",
                                          "{N} is {adesc} with its headquarters in {C}."};
  intro.add(fill(rng_.pick(first), v));
  intro.fact(c.id, kHq);
  static constexpr const char* second[] = {"It was founded in {Y} by {P}.", "The {noun} was established by {P} in {Y}."};
  intro.add(fill(rng_.pick(second), v));
  intro.fact(c.id, kFoundingYear);
  intro.fact(c.id, kFoundedBy);
  pad(c, intro, own, c.used_own);
  emit(c, std::move(intro));

  Page history;
  if (rng_.chance(0.5)) {
    static constexpr const char* k[] = {"{P} founded {N} in {Y}.", "{N} traces its origins to {Y}, when {P} set it up."};
    history.add(fill(rng_.pick(k), v));
    history.fact(c.id, kFoundedBy);
    history.fact(c.id, kFoundingYear);
  } else {
    sayFact(c, history, rng_.chance(0.5) ? kFoundedBy : kFoundingYear);
  }
  for (int ev : sample(e.organised, 2)) {
    const Entity& event = ents_[static_cast<std::size_t>(ev)];
    v.set("E", event.name);
    v.set("EY", yearText(event.v[kEventYear]));
    history.add(fill("{N} organised the {E} in {EY}.", v));
    history.fact(ev, kOrganisedBy);
    history.fact(ev, kEventYear);
  }
  pad(c, history, own, c.used_own);
  emit(c, std::move(history));

  Page people;
  const auto staff = sample(e.staff, 4);
  if (staff.size() == 1) {
    const Entity& p = ents_[static_cast<std::size_t>(staff.front())];
    v.set("X1", p.name);
    v.set("occ1", kOccupations[p.sub].name);  // "The sculptor X worked for ..."
    people.add(fill("The {occ1} {X1} worked for {N}.", v));
    people.fact(staff.front(), kEmployer);
  } else if (!staff.empty()) {
    std::vector<std::string> names;
    for (int p : staff) {
      names.push_back(ents_[static_cast<std::size_t>(p)].name);
      people.fact(p, kEmployer);
    }
    v.set("list", listText(names));
    people.add(fill("Notable people who worked for {N} include {list}.", v));
  }
  const auto published = sample(e.published, 4);
  if (!published.empty()) {
    std::vector<std::string> items;
    for (int wk : published) {
      const Entity& work = ents_[static_cast<std::size_t>(wk)];
      items.push_back(cat(work.name, " (", yearText(work.v[kReleaseYear]), ")"));
      people.fact(wk, kPublishedBy);
      people.fact(wk, kReleaseYear);
    }
    v.set("list", listText(items));
    static constexpr const char* k[3] = {"Books published by {N} include {list}.", "Albums released by {N} include {list}.",
                                         "Films produced by {N} include {list}."};
    people.add(fill(k[kind.publishes], v));
  }
  if (people.words == 0) sayFact(c, people, kHq);
  pad(c, people, own, c.used_own);
  emit(c, std::move(people));
}

void Generator::renderCity(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  const auto own = bankOf(kCity);
  const Entity& region = ents_[static_cast<std::size_t>(e.v[kLocatedIn])];
  v.set("R", region.name);
  v.set("Y", yearText(e.v[kFoundingYear]));

  Page intro;
  static constexpr const char* first[] = {"{N} is a city in {R}.", "{N} is a town in the region of {R}.",
                                          "{N} is a city located in {R}."};
  intro.add(fill(rng_.pick(first), v));
  intro.fact(c.id, kLocatedIn);
  if (region.v[kCapital] == c.id) {
    intro.add(fill("It is the capital of {R}.", v));
    intro.fact(e.v[kLocatedIn], kCapital);
  }
  static constexpr const char* second[] = {"It was founded in {Y}.", "The city was founded in {Y}.",
                                           "The settlement dates from {Y}, when it was founded."};
  intro.add(fill(rng_.pick(second), v));
  intro.fact(c.id, kFoundingYear);
  pad(c, intro, own, c.used_own);
  emit(c, std::move(intro));

  Page institutions;
  const auto hq = sample(e.hq_here, 3);
  if (!hq.empty()) {
    std::vector<std::string> names;
    for (int o : hq) {
      names.push_back(ents_[static_cast<std::size_t>(o)].name);
      institutions.fact(o, kHq);
    }
    v.set("list", listText(names));
    institutions.add(fill("{N} is home to the headquarters of {list}.", v));
  }
  for (int ev : sample(e.events_here, 2)) {
    const Entity& event = ents_[static_cast<std::size_t>(ev)];
    v.set("E", event.name);
    v.set("EY", yearText(event.v[kEventYear]));
    static constexpr const char* k[] = {"The {E} was held in {N} in {EY}.", "In {EY}, {N} hosted the {E}."};
    institutions.add(fill(rng_.pick(k), v));
    institutions.fact(ev, kHeldIn);
    institutions.fact(ev, kEventYear);
  }
  if (institutions.words == 0) sayFact(c, institutions, rng_.chance(0.5) ? kLocatedIn : kFoundingYear);
  pad(c, institutions, own, c.used_own);
  emit(c, std::move(institutions));

  Page people;
  const auto born = sample(e.born_here, 4);
  if (!born.empty()) {
    std::vector<std::string> items;
    for (int p : born) {
      const Entity& person = ents_[static_cast<std::size_t>(p)];
      items.push_back(cat(person.name, " (born ", yearText(person.v[kBirthYear]), ")"));
      people.fact(p, kBornIn);
      people.fact(p, kBirthYear);
    }
    v.set("list", listText(items));
    people.add(fill("Notable people born in {N} include {list}.", v));
  } else {
    sayFact(c, people, rng_.chance(0.5) ? kLocatedIn : kFoundingYear);
  }
  pad(c, people, own, c.used_own);
  emit(c, std::move(people));
}

void Generator::renderRegion(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  const auto own = bankOf(kRegion);
  Page intro;
  v.set("C", ents_[static_cast<std::size_t>(e.v[kCapital])].name);
  static constexpr const char* k[] = {"{N} is a region whose capital is {C}.", "{N} is a historic region with its capital at {C}."};
  intro.add(fill(rng_.pick(k), v));
  intro.fact(c.id, kCapital);
  pad(c, intro, own, c.used_own);
  emit(c, std::move(intro));

  Page cities;
  const auto list = sample(e.cities, 5);
  std::vector<std::string> names;
  for (int city : list) {
    names.push_back(ents_[static_cast<std::size_t>(city)].name);
    cities.fact(city, kLocatedIn);
  }
  v.set("list", listText(names));
  cities.add(fill(list.size() == 1 ? "{list} is a city in {N}." : "Cities in {N} include {list}.", v));
  pad(c, cities, own, c.used_own);
  emit(c, std::move(cities));
}

void Generator::renderWork(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  const auto own = bankOf(kWork);
  v.set("P", ents_[static_cast<std::size_t>(e.v[kCreatedBy])].name);
  v.set("Y", yearText(e.v[kReleaseYear]));

  Page intro;
  static constexpr const char* first[3][2] = {
      {"{N} is a novel by {P}, first published in {Y}.", "{N} is a novel written by {P} and published in {Y}."},
      {"{N} is an album by {P}, released in {Y}.", "{N} is an album that {P} recorded and released in {Y}."},
      {"{N} is a film by {P} that premiered in {Y}.", "{N} is a film directed by {P} and released in {Y}."}};
  intro.add(fill(first[e.sub][rng_.below(2)], v));
  intro.fact(c.id, kCreatedBy);
  intro.fact(c.id, kReleaseYear);
  sayFact(c, intro, kPublishedBy);
  pad(c, intro, own, c.used_own);
  emit(c, std::move(intro));

  Page reception;
  sayFact(c, reception, rng_.chance(0.5) ? kReleaseYear : kCreatedBy);
  pad(c, reception, own, c.used_own);
  emit(c, std::move(reception));
}

void Generator::renderEvent(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  Vars& v = c.vars;
  const auto own = bankOf(kEvent);
  v.set("C", ents_[static_cast<std::size_t>(e.v[kHeldIn])].name);
  v.set("Y", yearText(e.v[kEventYear]));

  Page intro;
  static constexpr const char* first[] = {"{TN} was {adesc} held in {C} in {Y}.", "{TN} was {adesc} that took place in {C} in {Y}.",
                                          "In {Y}, {C} hosted {tN}, {adesc}."};
  intro.add(fill(rng_.pick(first), v));
  intro.fact(c.id, kHeldIn);
  intro.fact(c.id, kEventYear);
  sayFact(c, intro, kOrganisedBy);
  pad(c, intro, own, c.used_own);
  emit(c, std::move(intro));

  Page outcome;
  sayFact(c, outcome, kWinner);
  pad(c, outcome, own, c.used_own);
  emit(c, std::move(outcome));
}

// 1-3 more passages per article: mostly filler, half of them restating one fact in another
// phrasing. They bring the corpus to about five passages per entity (wiki-18 has about six
// per article) and make a title match alone a weak signal.
void Generator::extraPassages(ArticleCtx& c) {
  const Entity& e = ents_[static_cast<std::size_t>(c.id)];
  const auto own = bankOf(e.kind);
  std::vector<Rel> facts;
  for (Rel r : relsOf(e.kind))
    if (e.v[r] >= 0) facts.push_back(r);
  for (int i = 0, n = rng_.range(1, 3); i < n; ++i) {
    Page pg;
    if (rng_.chance(0.5)) sayFact(c, pg, rng_.pick(facts));
    pad(c, pg, own, c.used_own);
    emit(c, std::move(pg));
  }
}

// "Name (disambiguation)": both homonyms, each with the birth year and place that tell them
// apart (a question naming one of them says "the sculptor Name").
void Generator::renderDisambiguation(int a, int b) {
  const Entity& x = ents_[static_cast<std::size_t>(a)];
  Page pg;
  std::vector<std::string> items;
  for (int id : {a, b}) {
    const Entity& p = ents_[static_cast<std::size_t>(id)];
    items.push_back(cat(p.name, " (born ", yearText(p.v[kBirthYear]), "), ", withArticle(kOccupations[p.sub].name), " born in ",
                        ents_[static_cast<std::size_t>(p.v[kBornIn])].name));
    pg.fact(id, kBirthYear);
    pg.fact(id, kBornIn);
  }
  pg.add(cat(x.name, " may refer to: ", items[0], "; or ", items[1], "."));
  pg.add("This page lists people who share the same name.");
  Article art;
  art.first = static_cast<int>(drafts_.size());
  emitTitled(x.world, cat(x.name, " (disambiguation)"), std::move(pg));
  art.count = 1;
  articles_.push_back(art);
}

void Generator::renderWorld(int w) {
  for (const auto& ids : of_kind_[w])
    for (int id : ids) renderArticle(id);
  for (const auto& [a, b] : homonym_pairs_[w]) renderDisambiguation(a, b);
  for (const auto& ids : of_kind_[w])
    for (int id : ids) {
      const Entity& e = ents_[static_cast<std::size_t>(id)];
      for (Rel r : relsOf(e.kind)) {
        if (e.v[r] < 0) continue;
        const bool stated = std::any_of(e.stated.begin(), e.stated.end(), [&](const auto& s) { return s.first == r; });
        SPUR_CHECK(stated, cat("search world: a fact of ", e.name, " is stated on no passage"));
      }
    }
}

// ------------------------------------------------------------------------------------------
// Questions

// How a question names entity e: its name, or, for a homonym, a disambiguated phrase.
std::string Generator::ref(int id) const {
  const Entity& e = ents_[static_cast<std::size_t>(id)];
  const std::string name = e.kind == kEvent ? cat("the ", e.name) : e.name;
  if (!e.homonym) return name;
  return e.kind == kPerson ? cat("the ", kOccupations[e.sub].name, " ", name) : cat("the ", kWorkWord[e.sub], " ", name);
}

std::string Generator::ask(Rel r, int subject, const std::string& s) {
  const Entity& e = ents_[static_cast<std::size_t>(subject)];
  const char* t = nullptr;
  switch (r) {
    case kBirthYear: { static constexpr const char* k[] = {"In which year was {s} born?", "What year was {s} born in?"}; t = rng_.pick(k); break; }
    case kDeathYear: { static constexpr const char* k[] = {"In which year did {s} die?", "What year did {s} die in?"}; t = rng_.pick(k); break; }
    case kBornIn: { static constexpr const char* k[] = {"In which city was {s} born?", "Where was {s} born?"}; t = rng_.pick(k); break; }
    case kEmployer: { static constexpr const char* k[] = {"Which organisation did {s} work for?", "Which organisation employed {s}?"}; t = rng_.pick(k); break; }
    case kFoundedBy: { static constexpr const char* k[] = {"Who founded {s}?", "Who was the founder of {s}?"}; t = rng_.pick(k); break; }
    case kFoundingYear: { static constexpr const char* k[] = {"In which year was {s} founded?", "In which year was {s} established?"}; t = rng_.pick(k); break; }
    case kHq: { static constexpr const char* k[] = {"In which city is {s} headquartered?", "Where is {s} based?"}; t = rng_.pick(k); break; }
    case kCreatedBy: {
      static constexpr const char* k[3][2] = {{"Who wrote {s}?", "Who is the author of {s}?"},
                                              {"Who recorded {s}?", "Which artist recorded {s}?"},
                                              {"Who directed {s}?", "Who was the director of {s}?"}};
      t = k[e.sub][rng_.below(2)];
      break;
    }
    case kPublishedBy: {
      static constexpr const char* k[3][2] = {{"Which publisher published {s}?", "Which publishing house published {s}?"},
                                              {"Which label released {s}?", "On which record label was {s} released?"},
                                              {"Which studio produced {s}?", "Which film studio produced {s}?"}};
      t = k[e.sub][rng_.below(2)];
      break;
    }
    case kReleaseYear: {
      static constexpr const char* k[3] = {"In which year was {s} first published?", "In which year was {s} released?",
                                           "In which year was {s} released?"};
      t = k[e.sub];
      break;
    }
    case kLocatedIn: { static constexpr const char* k[] = {"In which region is {s} located?", "Which region is {s} in?"}; t = rng_.pick(k); break; }
    case kCapital: { static constexpr const char* k[] = {"What is the capital of {s}?", "Which city is the capital of {s}?"}; t = rng_.pick(k); break; }
    case kHeldIn: { static constexpr const char* k[] = {"In which city was {s} held?", "Where did {s} take place?"}; t = rng_.pick(k); break; }
    case kEventYear: { static constexpr const char* k[] = {"In which year was {s} held?", "In which year did {s} take place?"}; t = rng_.pick(k); break; }
    case kOrganisedBy: { static constexpr const char* k[] = {"Which organisation organised {s}?", "Who organised {s}?"}; t = rng_.pick(k); break; }
    case kWinner: { static constexpr const char* k[] = {"Who won the first prize at {s}?", "Who was awarded the first prize at {s}?"}; t = rng_.pick(k); break; }
    case kNumRels: break;
  }
  Vars v;
  v.set("s", s);
  return fill(t, v);
}

// "the founder of <s>": the entity that relation r of `subject` names. Relative clauses
// ("the city where X was born") only around a plain name: nested, they stop being English.
std::string Generator::nounPhrase(Rel r, int subject, const std::string& s, bool s_is_name) {
  const Entity& e = ents_[static_cast<std::size_t>(subject)];
  const char* t = nullptr;
  auto choose = [&](const char* relative, const char* plain) { return s_is_name && rng_.chance(0.5) ? relative : plain; };
  switch (r) {
    case kBornIn: t = choose("the city where {s} was born", "the birthplace of {s}"); break;
    case kEmployer: t = choose("the organisation {s} worked for", "the employer of {s}"); break;
    case kFoundedBy: t = choose("the person who founded {s}", "the founder of {s}"); break;
    case kHq: t = choose("the city where {s} is headquartered", "the home city of {s}"); break;
    case kCreatedBy: {
      static constexpr const char* k[3] = {"the author of {s}", "the artist who recorded {s}", "the director of {s}"};
      t = k[e.sub];
      break;
    }
    case kPublishedBy: {
      static constexpr const char* k[3] = {"the publisher of {s}", "the record label of {s}", "the studio that produced {s}"};
      t = k[e.sub];
      break;
    }
    case kLocatedIn: t = choose("the region where {s} lies", "the region containing {s}"); break;
    case kCapital: t = "the capital of {s}"; break;
    case kHeldIn: t = choose("the city that hosted {s}", "the host city of {s}"); break;
    case kOrganisedBy: t = "the organiser of {s}"; break;
    case kWinner: t = choose("the first-prize winner at {s}", "the winner of {s}"); break;
    default: break;
  }
  SPUR_CHECK(t != nullptr, "search world: no noun phrase for a year relation");
  Vars v;
  v.set("s", s);
  return fill(t, v);
}

void Generator::setAnswer(QDraft& q, int subject, Rel r) const {
  const int value = ents_[static_cast<std::size_t>(subject)].v[r];
  if (isYear(r)) {
    q.answer = yearText(value);
    q.aliases.clear();
  } else {
    q.answer = ents_[static_cast<std::size_t>(value)].name;
    q.aliases = ents_[static_cast<std::size_t>(value)].aliases;
  }
}

int pickEntity(Rng& rng, const std::array<std::vector<int>, kNumKinds>& of_kind) {
  std::size_t total = 0;
  for (const auto& v : of_kind) total += v.size();
  auto i = static_cast<std::size_t>(rng.below(static_cast<int64_t>(total)));
  for (const auto& v : of_kind) {
    if (i < v.size()) return v[i];
    i -= v.size();
  }
  return of_kind[0][0];
}

bool Generator::single(int w, QDraft& q) {
  const int id = pickEntity(rng_, of_kind_[w]);
  const Entity& e = ents_[static_cast<std::size_t>(id)];
  std::vector<Rel> rels;
  for (Rel r : relsOf(e.kind))
    if (e.v[r] >= 0) rels.push_back(r);
  const Rel r = rng_.pick(rels);
  q.type = "single";
  q.hops = 1;
  q.text = ask(r, id, ref(id));
  q.chain = {{id, r}};
  setAnswer(q, id, r);
  return true;
}

// A walk along `hops - 1` entity-valued relations, then one more relation (an entity or a
// year) as the answer, all entities distinct.
bool Generator::bridge(int w, int hops, QDraft& q) {
  int cur = pickEntity(rng_, of_kind_[w]);
  std::vector<int> seen = {cur};
  std::string phrase = ref(cur);
  bool is_name = true;
  q.chain.clear();
  for (int step = 0; step < hops; ++step) {
    const Entity& e = ents_[static_cast<std::size_t>(cur)];
    const bool last = step + 1 == hops;
    std::vector<Rel> options;
    for (Rel r : relsOf(e.kind)) {
      if (e.v[r] < 0 || (!last && isYear(r))) continue;
      if (!isYear(r) && std::find(seen.begin(), seen.end(), e.v[r]) != seen.end()) continue;
      options.push_back(r);
    }
    if (options.empty()) return false;
    const Rel r = rng_.pick(options);
    q.chain.emplace_back(cur, r);
    if (last) {
      q.text = ask(r, cur, phrase);
      setAnswer(q, cur, r);
    } else {
      phrase = nounPhrase(r, cur, phrase, is_name);
      is_name = false;
      cur = e.v[r];
      seen.push_back(cur);
    }
  }
  q.type = "bridge";
  q.hops = hops;
  return true;
}

bool Generator::comparison(int w, QDraft& q) {
  struct Form {
    Kind kind;
    Rel rel;
    const char* earlier[2];
    const char* later[2];
  };
  static const Form kForms[] = {
      {kPerson, kBirthYear, {"Who was born earlier, {a} or {b}?", "Which of {a} and {b} was born first?"},
       {"Who was born later, {a} or {b}?", "Which of {a} and {b} was born more recently?"}},
      {kOrg, kFoundingYear, {"Which was founded earlier, {a} or {b}?", "Which organisation is older, {a} or {b}?"},
       {"Which was founded later, {a} or {b}?", "Which organisation is younger, {a} or {b}?"}},
      {kCity, kFoundingYear, {"Which city was founded first, {a} or {b}?", "Which is older, {a} or {b}?"},
       {"Which city was founded later, {a} or {b}?", "Which is younger, {a} or {b}?"}},
      {kWork, kReleaseYear, {"Which came out first, {a} or {b}?", "Which was released earlier, {a} or {b}?"},
       {"Which came out later, {a} or {b}?", "Which was released more recently, {a} or {b}?"}},
      {kEvent, kEventYear, {"Which took place earlier, {a} or {b}?", "Which was held first, {a} or {b}?"},
       {"Which took place later, {a} or {b}?", "Which was held more recently, {a} or {b}?"}},
  };
  const int f = rng_.range(0, 99);
  const Form& form = kForms[f < 40 ? 0 : f < 60 ? 1 : f < 70 ? 2 : f < 88 ? 3 : 4];
  const auto& pool = of_kind_[w][form.kind];
  const int a = rng_.pick(pool), b = rng_.pick(pool);
  const Entity& ea = ents_[static_cast<std::size_t>(a)];
  const Entity& eb = ents_[static_cast<std::size_t>(b)];
  if (a == b || ea.homonym || eb.homonym || ea.v[form.rel] == eb.v[form.rel]) return false;
  // Neither name (nor alias) may occur in the other, or the answer would match both.
  std::vector<std::string> forms_a = ea.aliases, forms_b = eb.aliases;
  forms_a.push_back(ea.name);
  forms_b.push_back(eb.name);
  for (const auto& x : forms_a)
    for (const auto& y : forms_b)
      if (x.find(y) != std::string::npos || y.find(x) != std::string::npos) return false;
  const bool earlier = rng_.chance(0.5);
  const bool a_first = ea.v[form.rel] < eb.v[form.rel];
  const int answer = earlier == a_first ? a : b;
  Vars v;
  v.set("a", ref(a));
  v.set("b", ref(b));
  q.text = fill(earlier ? form.earlier[rng_.below(2)] : form.later[rng_.below(2)], v);
  q.answer = ents_[static_cast<std::size_t>(answer)].name;
  q.aliases = ents_[static_cast<std::size_t>(answer)].aliases;
  q.chain = {{a, form.rel}, {b, form.rel}};
  q.type = "comparison";
  q.hops = 2;
  q.answer_in_question_ok = true;
  return true;
}

// "Which person was born in C and worked for O?": the answer is the one entity of its world
// with both values; each constraint alone should match several (else it is one hop).
bool Generator::intersection(int w, QDraft& q) {
  struct Form {
    Kind kind;
    Rel a, b;
  };
  static const Form kForms[] = {{kPerson, kBornIn, kEmployer}, {kWork, kCreatedBy, kPublishedBy}, {kEvent, kHeldIn, kOrganisedBy}};
  const int f = rng_.range(0, 9);
  const std::size_t fi = f < 5 ? 0 : f < 8 ? 1 : 2;
  const Form& form = kForms[fi];
  const auto& pool = of_kind_[w][form.kind];
  // Counts over the whole world, built once per form: scanning the pool per attempt would be
  // quadratic in the world's size.
  ValueCounts& counts = value_counts_[static_cast<std::size_t>(w)][fi];
  if (counts.both.empty()) {
    for (int other : pool) {
      const Entity& o = ents_[static_cast<std::size_t>(other)];
      ++counts.a[o.v[form.a]];
      ++counts.b[o.v[form.b]];
      ++counts.both[pairKey(o.v[form.a], o.v[form.b])];
    }
  }
  const int id = rng_.pick(pool);
  const Entity& e = ents_[static_cast<std::size_t>(id)];
  const int va = e.v[form.a], vb = e.v[form.b];
  if (counts.both[pairKey(va, vb)] != 1 || counts.a[va] < 2 || counts.b[vb] < 2) return false;
  Vars v;
  v.set("A", ref(va));
  v.set("B", ref(vb));
  const char* t = nullptr;
  if (form.kind == kPerson) {
    static constexpr const char* k[] = {"Which person was born in {A} and worked for {B}?",
                                        "Who was born in {A} and later worked for {B}?",
                                        "Which employee of {B} was born in {A}?"};
    t = rng_.pick(k);
  } else if (form.kind == kWork) {
    static constexpr const char* k[3] = {"Which novel by {A} was published by {B}?", "Which album by {A} was released by {B}?",
                                         "Which film directed by {A} was produced by {B}?"};
    t = k[e.sub];
  } else {
    static constexpr const char* k[] = {"Which event held in {A} was organised by {B}?",
                                        "Which event organised by {B} took place in {A}?"};
    t = rng_.pick(k);
  }
  q.text = fill(t, v);
  q.answer = e.name;
  q.aliases = e.aliases;
  q.chain = {{id, form.a}, {id, form.b}};
  q.type = "intersection";
  q.hops = 2;
  return true;
}

std::vector<SearchQuestion> Generator::makeQuestions(int w, int64_t n, const std::string& prefix) {
  const auto target = static_cast<int64_t>(std::llround(static_cast<double>(n) * o_.questions_per_entity));
  std::vector<SearchQuestion> out;
  std::unordered_set<std::string> seen;
  // A slot draws its type first and retries within it, so the mix stays at 30% single, 40%
  // bridge (20/13/7% with 2/3/4 hops), 15% comparison, 15% intersection even where one type
  // is rejected more often (intersections need a unique pair). A small world may run short.
  for (int64_t slot = 0; static_cast<int64_t>(out.size()) < target && slot < target * 3; ++slot) {
    const int roll = rng_.range(0, 99);
    QDraft q;
    bool ok = false;
    for (int attempt = 0; attempt < 40 && !ok; ++attempt) {
      q = QDraft{};
      if (roll < 30) {
        ok = single(w, q);
      } else if (roll < 50) {
        ok = bridge(w, 2, q);
      } else if (roll < 63) {
        ok = bridge(w, 3, q);
      } else if (roll < 70) {
        ok = bridge(w, 4, q);
      } else if (roll < 85) {
        ok = comparison(w, q);
      } else {
        ok = intersection(w, q);
      }
      if (!ok) continue;
      ok = seen.count(q.text) == 0;
      if (ok && !q.answer_in_question_ok) {
        ok = q.text.find(q.answer) == std::string::npos;
        for (const auto& a : q.aliases) ok = ok && q.text.find(a) == std::string::npos;
      }
    }
    if (!ok) continue;
    seen.insert(q.text);
    SearchQuestion sq;
    sq.id = cat(prefix, std::to_string(out.size()));
    sq.question = std::move(q.text);
    sq.golden_answers.push_back(q.answer);
    for (auto& a : q.aliases)
      if (a != q.answer) sq.golden_answers.push_back(std::move(a));
    // Draft indices for now; run() turns them into corpus ids once the order is fixed.
    std::vector<int> evidence;
    for (const auto& [id, r] : q.chain)
      for (const auto& [rel, draft] : ents_[static_cast<std::size_t>(id)].stated)
        if (rel == r) evidence.push_back(draft);
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    for (int d : evidence) sq.evidence.push_back(std::to_string(d));
    sq.hops = q.hops;
    sq.type = std::move(q.type);
    out.push_back(std::move(sq));
  }
  return out;
}

GeneratedWorld Generator::run() {
  if (o_.entities < 100 || o_.entities > 50'000'000)
    throw Error(StatusCode::kInvalidArgument, cat("search world: entities must be in [100, 50000000], got ", std::to_string(o_.entities)));
  if (!(o_.test_fraction > 0.0 && o_.test_fraction < 1.0))
    throw Error(StatusCode::kInvalidArgument, cat("search world: test_fraction must be in (0, 1), got ", std::to_string(o_.test_fraction)));
  if (!(o_.questions_per_entity > 0.0 && o_.questions_per_entity <= 10.0))
    throw Error(StatusCode::kInvalidArgument,
                cat("search world: questions_per_entity must be in (0, 10], got ", std::to_string(o_.questions_per_entity)));
  const auto test_n = static_cast<int64_t>(std::llround(static_cast<double>(o_.entities) * o_.test_fraction));
  const std::array<int64_t, 2> sizes = {o_.entities - test_n, test_n};
  for (int w = 0; w < 2; ++w)
    if (sizes[static_cast<std::size_t>(w)] < 50)
      throw Error(StatusCode::kInvalidArgument,
                  cat("search world: world ", std::to_string(w), " would have ", std::to_string(sizes[static_cast<std::size_t>(w)]),
                      " entities (entities x test_fraction); each world needs at least 50"));

  ents_.reserve(static_cast<std::size_t>(o_.entities));
  for (int w = 0; w < 2; ++w) buildWorld(w, sizes[static_cast<std::size_t>(w)]);
  drafts_.reserve(static_cast<std::size_t>(o_.entities) * 6);
  for (int w = 0; w < 2; ++w) renderWorld(w);

  GeneratedWorld out;
  out.train = makeQuestions(0, sizes[0], "train-");
  out.test = makeQuestions(1, sizes[1], "test-");

  // Articles in random order over both worlds, each article's passages kept together (as
  // wiki-18's are), so neither an id nor a neighbour tells the world or the entity.
  std::vector<int> order(articles_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  rng_.shuffle(order);
  std::vector<int> id_of(drafts_.size());
  out.corpus.reserve(drafts_.size());
  out.corpus_world.reserve(drafts_.size());
  for (int a : order) {
    const Article& art = articles_[static_cast<std::size_t>(a)];
    for (int d = art.first; d < art.first + art.count; ++d) {
      Draft& draft = drafts_[static_cast<std::size_t>(d)];
      id_of[static_cast<std::size_t>(d)] = static_cast<int>(out.corpus.size());
      out.corpus.push_back(CorpusDoc{std::to_string(out.corpus.size()), makeContents(draft.title, draft.text)});
      out.corpus_world.push_back(draft.world);
      std::string().swap(draft.text);  // the draft is done with: lowers peak memory for large worlds
    }
  }
  for (auto* split : {&out.train, &out.test})
    for (auto& q : *split) {
      std::vector<int> ids;
      for (const auto& d : q.evidence) ids.push_back(id_of[static_cast<std::size_t>(std::stoi(d))]);
      std::sort(ids.begin(), ids.end());
      q.evidence.clear();
      for (int id : ids) q.evidence.push_back(std::to_string(id));
    }

  out.entities.reserve(ents_.size());
  for (const auto& e : ents_) out.entities.push_back(WorldEntity{e.name, e.title, kKindNames[e.kind], e.aliases, e.world});
  return out;
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(StatusCode::kDataLoss, cat(path.string(), ": cannot create"));
  f << text;
  f.flush();
  if (!f) throw Error(StatusCode::kDataLoss, cat(path.string(), ": write failed"));
}

nlohmann::json splitSummary(const GeneratedWorld& world, int w, const std::vector<SearchQuestion>& questions) {
  std::map<std::string, int64_t> entities, types, hops;
  for (const auto& e : world.entities)
    if (e.world == w) ++entities[e.type];
  for (const auto& q : questions) {
    ++types[q.type];
    ++hops[std::to_string(q.hops)];
  }
  const auto passages = std::count(world.corpus_world.begin(), world.corpus_world.end(), w);
  return nlohmann::json{{"world", w},       {"entities", entities},        {"passages", passages},
                        {"questions", questions.size()}, {"types", types}, {"hops", hops}};
}

}  // namespace

GeneratedWorld generateSearchWorld(const WorldOptions& options) { return Generator(options).run(); }

void writeSearchWorld(const GeneratedWorld& world, const WorldOptions& options, const std::string& dir) {
  fs::path target(dir);
  if (!target.has_filename()) target = target.parent_path();  // "out/" names "out"
  std::error_code ec;
  const auto status = fs::status(target, ec);
  if (fs::exists(status) && (!fs::is_directory(status) || !fs::is_empty(target, ec)))
    throw Error(StatusCode::kFailedPrecondition,
                cat(target.string(), ": exists and is not an empty directory; refusing to write a search world into it"));
  fs::path partial = target;
  partial += ".partial";
  fs::remove_all(partial, ec);  // a previous run's leftovers: ours by name
  fs::create_directories(partial, ec);
  if (ec) throw Error(StatusCode::kDataLoss, cat(partial.string(), ": cannot create: ", ec.message()));
  writeCorpus(world.corpus, (partial / "corpus.jsonl").string());
  writeQuestions(world.train, (partial / "train.jsonl").string());
  writeQuestions(world.test, (partial / "test.jsonl").string());
  const nlohmann::json summary = {
      {"generator", "spur search-generate"},
      {"seed", options.seed},
      {"entities", options.entities},
      {"test_fraction", options.test_fraction},
      {"questions_per_entity", options.questions_per_entity},
      {"passages", world.corpus.size()},
      {"splits", {{"train", splitSummary(world, 0, world.train)}, {"test", splitSummary(world, 1, world.test)}}},
  };
  writeText(partial / "world.json", summary.dump(2) + "\n");
  // rename(2) replaces an empty directory and fails on a non-empty one, so a directory that
  // filled up since the check above is still never overwritten.
  fs::rename(partial, target, ec);
  if (ec) throw Error(StatusCode::kFailedPrecondition, cat(target.string(), ": cannot move ", partial.string(), " into place: ", ec.message()));
}

std::string describeQuestionMix(const std::vector<SearchQuestion>& questions) {
  std::map<std::string, int64_t> types;
  std::map<int64_t, int64_t> bridge_hops;
  for (const auto& q : questions) {
    ++types[q.type];
    if (q.type == "bridge") ++bridge_hops[q.hops];
  }
  std::string s;
  for (const char* t : {"single", "bridge", "comparison", "intersection"}) {
    if (!s.empty()) s += ", ";
    s += cat(t, " ", std::to_string(types[t]));
    if (std::string_view(t) == "bridge" && !bridge_hops.empty()) {
      s += " (";
      bool first = true;
      for (const auto& [h, n] : bridge_hops) {
        if (!first) s += ", ";
        first = false;
        s += cat(std::to_string(h), " hops ", std::to_string(n));
      }
      s += ")";
    }
  }
  return s;
}

}  // namespace spur::search
