// A child process leading a process group of its own (as the stack's daemons do), sleeping
// until signalled: for tests that stop, continue and kill process groups. Killed and reaped at
// the end of the test whatever happened (a stopped child is continued first). Needs stack_procs
// (its state comes from /proc/<pid>/stat).
#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "stack/proc_stat.h"

namespace lg::test {

class GroupChild {
 public:
  GroupChild() {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setpgid(0, 0);
      (void)!::write(ready[1], "x", 1);
      for (;;) ::pause();
    }
    char c = 0;
    ::close(ready[1]);
    REQUIRE(::read(ready[0], &c, 1) == 1);  // the group exists from here
    ::close(ready[0]);
  }
  ~GroupChild() {
    if (reaped_) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  GroupChild(const GroupChild&) = delete;
  GroupChild& operator=(const GroupChild&) = delete;

  int pid() const { return pid_; }
  // /proc state: 'S' sleeping, 'T' stopped, '?' gone.
  char state() const {
    const auto s = lg::stack::read_proc_stat(pid_);
    return s ? s->state : '?';
  }
  // waitpid's status (after a kill).
  int reap() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

 private:
  int pid_ = -1;
  bool reaped_ = false;
};

}  // namespace lg::test
