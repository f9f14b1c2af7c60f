#include "launch/restart_policy.h"

#include <doctest/doctest.h>

TEST_CASE("restart policy: quick failures double the back-off up to its cap, then the run gives up") {
  spur::RestartPolicy p(1.0, 3.0, 4);
  auto d = p.onExit(0.5);
  CHECK_FALSE(d.give_up);
  CHECK(d.delay_s == 1.0);
  CHECK(d.failures_in_a_row == 1);
  CHECK(p.onExit(0.5).delay_s == 2.0);
  d = p.onExit(0.5);
  CHECK(d.delay_s == 3.0);  // capped
  CHECK_FALSE(d.give_up);
  d = p.onExit(0.5);
  CHECK(d.failures_in_a_row == 4);
  CHECK(d.give_up);
}

TEST_CASE("restart policy: a child that ran long enough starts a new series") {
  spur::RestartPolicy p(1.0, 30.0, 3);
  p.onExit(1);
  p.onExit(1);
  const auto d = p.onExit(120);  // ran two minutes: healthy, this failure is the first of a new series
  CHECK(d.failures_in_a_row == 1);
  CHECK(d.delay_s == 1.0);
  CHECK_FALSE(d.give_up);
}

TEST_CASE("restart policy: 0 failures means restart forever") {
  spur::RestartPolicy p(1.0, 2.0, 0);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(p.onExit(0).give_up);
}
