#include "learner/episode_window.h"

#include <doctest/doctest.h>

TEST_CASE("episode window: means of return, length, success and the env's own metrics over the last N episodes") {
  spur::EpisodeWindow w(2);
  w.add(1.0, 10, true, {{"depth", 3}});
  w.add(3.0, 20, false, {{"depth", 5}, {"gold", 7}});
  CHECK(w.mean("return") == doctest::Approx(2.0));
  CHECK(w.mean("length") == doctest::Approx(15.0));
  CHECK(w.mean("success_rate") == doctest::Approx(0.5));
  CHECK(w.mean("depth") == doctest::Approx(4.0));
  CHECK(w.mean("gold") == doctest::Approx(7.0));  // only the episodes that reported it
  w.add(5.0, 30, true, {});
  CHECK(w.mean("return") == doctest::Approx(4.0));  // the first episode left the window
  CHECK(w.mean("success_rate") == doctest::Approx(0.5));
  CHECK(w.mean("never") == 0.0);
  CHECK(w.episodes() == 3);
  const auto all = w.means();
  CHECK(all.count("depth") == 1);
  CHECK(all.count("success_rate") == 1);
}
