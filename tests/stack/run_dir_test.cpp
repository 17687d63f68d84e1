// Run directories without real stacks: naming and modes, the owner and pids files, which
// directories count as stale. (Stopping real process groups: process_runner_test.cpp.)
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "stack/proc_stat.h"
#include "stack/run_dir.h"
#include "tests/stack/fake_run.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using lg::stack::RecordedProcess;
using lg::test::TempDir;
using lg::test::write_file;

namespace {

// The pid of a process that has exited and been reaped. Its start time is unknowable, so
// files written with it use start_ticks 1: should the pid be reused meanwhile, the start time
// tells the new process apart.
int dead_pid() {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return pid;
}

std::uint64_t my_start_ticks() {
  const auto stat = lg::stack::read_proc_stat(::getpid());
  REQUIRE(stat);
  return stat->start_ticks;
}

}  // namespace

TEST_CASE("read_proc_stat parses our own process", "[run_dir]") {
  const auto stat = lg::stack::read_proc_stat(::getpid());
  REQUIRE(stat);
  CHECK(stat->state == 'R');
  CHECK(stat->ppid == ::getppid());
  CHECK(stat->pgrp == ::getpgrp());
  CHECK(stat->start_ticks > 0);
  CHECK(lg::stack::is_alive(::getpid()));
  CHECK_FALSE(lg::stack::read_proc_stat(0));
  CHECK_FALSE(lg::stack::is_alive(dead_pid()));
  CHECK(lg::stack::live_group_members(1).empty());  // never "every process"
}

TEST_CASE("create_run_dir names run-<pid>-<n>, mode 0755, owned by this process", "[run_dir]") {
  TempDir tmp;
  const fs::path root = tmp.path() / "root";
  auto first = lg::stack::create_run_dir(root);
  auto second = lg::stack::create_run_dir(root);
  REQUIRE(first);
  REQUIRE(second);
  const std::string prefix = "run-" + std::to_string(::getpid()) + "-";
  CHECK(first->filename() == prefix + "0");
  CHECK(second->filename() == prefix + "1");
  struct stat st {};
  REQUIRE(::stat(first->c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  auto owner = lg::stack::read_owner(*first);
  REQUIRE(owner);
  CHECK(owner->pid == ::getpid());
  CHECK(owner->start_ticks == my_start_ticks());
  CHECK(lg::stack::find_stale(root).empty());  // we are alive
}

TEST_CASE("create_run_dir refuses a root that is a symlink", "[run_dir]") {
  TempDir tmp;
  fs::create_directory(tmp.path() / "real");
  fs::create_directory_symlink(tmp.path() / "real", tmp.path() / "link");
  auto made = lg::stack::create_run_dir(tmp.path() / "link");
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error(), Catch::Contains("is not a directory (a symlink?)"));
}

TEST_CASE("the pids file round-trips and rejects malformed lines", "[run_dir]") {
  TempDir tmp;
  auto none = lg::stack::read_pids(tmp.path());
  REQUIRE(none);
  CHECK(none->empty());  // no file yet: nothing started
  const std::vector<RecordedProcess> procs{{"mariadb", 1234, 99887, SIGTERM},
                                           {"nginx-1", 1250, 99990, SIGQUIT}};
  REQUIRE(lg::stack::write_pids(tmp.path(), procs));
  CHECK(lg::test::read_file(tmp.path() / "pids") ==
        "1234 99887 15 mariadb\n1250 99990 3 nginx-1\n");
  auto back = lg::stack::read_pids(tmp.path());
  REQUIRE(back);
  REQUIRE(back->size() == 2);
  CHECK((*back)[1].name == "nginx-1");
  CHECK((*back)[1].pid == 1250);
  CHECK((*back)[1].start_ticks == 99990);
  CHECK((*back)[1].stop_signal == SIGQUIT);
  // Replaced atomically: no temporary file is left behind.
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);

  write_file(tmp.path() / "pids", "1234 99887 15 mariadb\nbogus\n");
  auto bad = lg::stack::read_pids(tmp.path());
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error(), Catch::EndsWith("pids:2: expected \"<pid> <start_ticks> <signal> "
                                          "<name>\", got \"bogus\""));
  write_file(tmp.path() / "pids", "1 0 15 init\n");  // pid 1 is never ours
  CHECK_FALSE(lg::stack::read_pids(tmp.path()));
}

TEST_CASE("find_stale: run directories whose owner is gone", "[run_dir]") {
  TempDir tmp;
  const fs::path root = tmp.path();
  const int dead = dead_pid();
  const std::string me = std::to_string(::getpid());
  const std::string ticks = std::to_string(my_start_ticks());
  auto run = [&root](const std::string& name, const std::string& owner) {
    fs::create_directory(root / name);
    if (!owner.empty()) write_file(root / name / "owner", owner);
    return root / name;
  };
  const auto dead_owner = run("run-1-0", std::to_string(dead) + " 1\n");
  const auto reused_owner = run("run-2-0", me + " 1\n");  // our pid, another start time
  const auto no_owner_dead = run("run-" + std::to_string(dead) + "-0", "");
  run("run-3-0", me + " " + ticks + "\n");          // ours: alive
  run("run-" + me + "-7", "");                      // being created by us: no owner yet
  run("other-1-0", std::to_string(dead) + " 1\n");  // not a run directory
  run("run-old", std::to_string(dead) + " 1\n");    // nor this: not run-<pid>-<n>
  run("run-9-x", "");
  const auto detached_empty = run("run-4-0", std::to_string(dead) + " 1\n");
  REQUIRE(lg::stack::mark_detached(detached_empty));
  const auto detached_bad = run("run-5-0", std::to_string(dead) + " 1\n");
  REQUIRE(lg::stack::mark_detached(detached_bad));
  write_file(detached_bad / "pids", "garbage\n");  // cannot tell: left alone

  std::vector<fs::path> expected{dead_owner, reused_owner, no_owner_dead, detached_empty};
  std::ranges::sort(expected);
  CHECK(lg::stack::find_stale(root) == expected);
  CHECK(lg::stack::find_stale(root / "missing").empty());
}

TEST_CASE("clean_stale removes a stale run with nothing running and describes it", "[run_dir]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "run-1-0";
  fs::create_directory(dir);
  write_file(dir / "owner", std::to_string(dead_pid()) + " 1\n");
  // Recorded, but long gone: a dead pid with a start time that cannot match.
  REQUIRE(lg::stack::write_pids(dir, {{"mariadb", dead_pid(), 1, SIGTERM}}));
  const auto cleaned = lg::stack::clean_stale(tmp.path());
  REQUIRE(cleaned.size() == 1);
  CHECK(cleaned[0].removed);
  REQUIRE(cleaned[0].processes.size() == 1);
  CHECK(cleaned[0].processes[0].how == lg::stack::StopOutcome::How::kGone);
  CHECK_FALSE(fs::exists(dir));
  CHECK(lg::stack::describe(cleaned[0]) ==
        "stale run " + dir.string() + ": already gone mariadb (pid " +
            std::to_string(cleaned[0].processes[0].process.pid) + "); removed");
}

TEST_CASE("clean_stale keeps a run whose pids file it cannot read", "[run_dir]") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "run-1-0";
  fs::create_directory(dir);
  write_file(dir / "owner", std::to_string(dead_pid()) + " 1\n");
  write_file(dir / "pids", "not a pid line\n");
  const auto cleaned = lg::stack::clean_stale(tmp.path());
  REQUIRE(cleaned.size() == 1);
  CHECK_FALSE(cleaned[0].removed);
  CHECK(fs::exists(dir));
  CHECK_THAT(lg::stack::describe(cleaned[0]), Catch::Contains("NOT removed: "));
}

TEST_CASE("read_pids is the union of pids and every pids.<suffix> file", "[run_dir]") {
  TempDir tmp;
  const fs::path dir = tmp.path();
  // The run's own supervisor, and the autoscaler's (another process) next to it.
  REQUIRE(lg::stack::write_pids(dir, {{"mariadb", 1234, 11, SIGTERM},
                                      {"haproxy", 1240, 12, SIGTERM},
                                      {"autoscaler", 1250, 13, SIGTERM}}));
  REQUIRE(lg::stack::write_pids(dir, {{"fpm-1", 1260, 14, SIGQUIT}, {"nginx-1", 1261, 15, SIGQUIT}},
                                ".autoscaler"));
  REQUIRE(lg::stack::write_pids(dir, {{"extra", 1300, 16, SIGTERM}}, ".b-helper_2"));
  REQUIRE(lg::stack::write_owner(dir, ".autoscaler"));
  CHECK(lg::test::read_file(dir / "pids.autoscaler") == "1260 14 3 fpm-1\n1261 15 3 nginx-1\n");
  CHECK(fs::exists(dir / "owner.autoscaler"));
  CHECK_FALSE(fs::exists(dir / "owner"));  // the run's owner file is not touched
  // Not records: an old-style temporary file, and names that are no suffix.
  write_file(dir / "pids.tmp-99", "garbage\n");
  write_file(dir / "pids.", "garbage\n");
  write_file(dir / "pids.a.b", "garbage\n");
  write_file(dir / "pidsx", "garbage\n");

  auto all = lg::stack::read_pids(dir);
  REQUIRE(all);
  std::vector<std::string> names;
  for (const auto& p : *all) names.push_back(p.name);
  // Helpers' files first (by name), then the run's own: stopped in reverse, the autoscaler
  // goes before the replicas it would otherwise replace.
  CHECK(names ==
        std::vector<std::string>{"fpm-1", "nginx-1", "extra", "mariadb", "haproxy", "autoscaler"});
  CHECK((*all)[1].stop_signal == SIGQUIT);
  CHECK((*all)[1].pid == 1261);

  // stop_recorded and the stale cleaner see the union (all long gone here: start times differ).
  for (auto& p : *all) p.pid = dead_pid();
  REQUIRE(lg::stack::write_pids(dir, {(*all)[3], (*all)[4], (*all)[5]}));
  REQUIRE(lg::stack::write_pids(dir, {(*all)[0], (*all)[1]}, ".autoscaler"));
  REQUIRE(lg::stack::write_pids(dir, {(*all)[2]}, ".b-helper_2"));
  auto stopped = lg::stack::stop_recorded(dir, std::chrono::milliseconds{100});
  REQUIRE(stopped);
  names.clear();
  for (const auto& o : *stopped) names.push_back(o.process.name);
  CHECK(names ==
        std::vector<std::string>{"autoscaler", "haproxy", "mariadb", "extra", "nginx-1", "fpm-1"});

  // Only the `pids` file missing: the helpers' records still count.
  fs::remove(dir / "pids");
  all = lg::stack::read_pids(dir);
  REQUIRE(all);
  CHECK(all->size() == 3);
  // A malformed helper file is an error naming it, like a malformed `pids`.
  write_file(dir / "pids.autoscaler", "bogus\n");
  auto bad = lg::stack::read_pids(dir);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error(), Catch::Contains("pids.autoscaler:1: expected"));
  // Bad suffixes are refused when writing.
  CHECK_FALSE(lg::stack::write_pids(dir, {}, "autoscaler"));
  CHECK_FALSE(lg::stack::write_pids(dir, {}, ".a/b"));
  CHECK_FALSE(lg::stack::write_pids(dir, {}, ".tmp-1"));
  CHECK_FALSE(lg::stack::write_owner(dir, "."));
}

TEST_CASE("read_stack_info and check_stack_run: what makes a directory a stack run", "[run_dir]") {
  TempDir tmp;
  const auto dir = lg::test::make_fake_run(tmp.path() / "runs", 18100);
  REQUIRE_FALSE(dir.empty());
  auto info = lg::stack::read_stack_info(dir);
  REQUIRE(info);
  CHECK(info->url == "http://127.0.0.1:18100");
  CHECK(info->ports.base == 18100);
  CHECK(info->max_replicas == 2);
  CHECK(info->replicas == std::vector<std::uint32_t>{1});
  CHECK(info->state == "up");
  CHECK_FALSE(info->autoscaler);
  CHECK(lg::stack::check_stack_run(dir));

  auto refused = [](const fs::path& d, const std::string& why) {
    auto ok = lg::stack::check_stack_run(d);
    REQUIRE_FALSE(ok);
    CHECK_THAT(ok.error(), Catch::StartsWith(d.string() + " is not a stack run directory: "));
    CHECK_THAT(ok.error(), Catch::Contains(why));
  };
  SECTION("a stack.info without base_port") {
    write_file(dir / "stack.info", "url=http://127.0.0.1:1\nmax_replicas=2\n");
    refused(dir, "expected url=, base_port= and max_replicas= lines");
  }
  SECTION("no stack.info") {
    fs::remove(dir / "stack.info");
    refused(dir, "no stack.info");
  }
  SECTION("no owner") {
    fs::remove(dir / "owner");
    refused(dir, "owner");
  }
  SECTION("a layout folder missing") {
    fs::remove_all(dir / "haproxy");
    refused(dir, "haproxy");
  }
  SECTION("an unreadable pids file") {
    write_file(dir / "pids.autoscaler", "garbage\n");
    refused(dir, "pids.autoscaler:1");
  }
  SECTION("another name") {
    const auto moved = dir.parent_path() / "run-x";
    fs::rename(dir, moved);
    refused(moved, "its name is not run-<pid>-<n>");
  }
  SECTION("a symlink") {
    const auto link = dir.parent_path() / "run-1-0";
    fs::create_directory_symlink(dir, link);
    refused(link, "is a symlink");
  }
  SECTION("a file") {
    const auto file = dir.parent_path() / "run-2-0";
    write_file(file, "x");
    refused(file, "is not a directory");
  }
}
