// Process faults (loadgen/actions/process_faults.h) on real child processes, each leading its
// own group as the stack's daemons do: pause stops the group, resume (or the destructor)
// continues it, kill ends it with SIGKILL, and a group that is gone is a failed outcome.
#include "loadgen/actions/process_faults.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/group_child.h"
#include "tests/support/wait_until.h"

using Catch::Matchers::Contains;
using lg::actions::ProcessFaults;
using lg::test::wait_until;

using Child = lg::test::GroupChild;

TEST_CASE("process faults: pause stops the group, resume continues it", "[actions]") {
  Child child;
  ProcessFaults faults;
  const auto paused = faults.pause({child.pid()});
  CHECK(paused.ok);
  CHECK(paused.text == "paused process group " + std::to_string(child.pid()));
  CHECK(wait_until([&] { return child.state() == 'T'; }));
  CHECK(faults.paused() == std::vector<int>{child.pid()});
  const auto resumed = faults.resume({child.pid()});
  CHECK(resumed.ok);
  CHECK(wait_until([&] { return child.state() == 'S'; }));
  CHECK(faults.paused().empty());
}

TEST_CASE("process faults: what is still paused is resumed when the faults end", "[actions]") {
  Child child;
  {
    ProcessFaults faults;
    REQUIRE(faults.pause({child.pid()}).ok);
    REQUIRE(wait_until([&] { return child.state() == 'T'; }));
  }
  CHECK(wait_until([&] { return child.state() == 'S'; }));
}

TEST_CASE("process faults: kill ends the group with SIGKILL, even a paused one", "[actions]") {
  Child child;
  ProcessFaults faults;
  REQUIRE(faults.pause({child.pid()}).ok);
  const auto killed = faults.kill({child.pid()});
  CHECK(killed.ok);
  CHECK(killed.text == "killed process group " + std::to_string(child.pid()));
  const int status = child.reap();
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(faults.paused().empty());  // nothing left to resume
}

TEST_CASE("process faults: a group that is gone, none, or not a group is a failed outcome",
          "[actions]") {
  ProcessFaults faults;
  int gone = 0;
  {
    Child child;
    gone = child.pid();
    REQUIRE(faults.kill({gone}).ok);
    child.reap();
  }
  const auto again = faults.kill({gone});
  CHECK_FALSE(again.ok);
  CHECK(again.text == "process group " + std::to_string(gone) + ": No such process");
  CHECK_FALSE(faults.pause({}).ok);
  CHECK(faults.pause({}).text == "no process group given");
  CHECK_FALSE(faults.kill({1}).ok);
  CHECK_THAT(faults.kill({0}).text, Contains("refused"));
  CHECK(faults.paused().empty());
}
