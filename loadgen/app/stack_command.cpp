#include "loadgen/app/stack_command.h"

#include <cstdio>
#include <iostream>
#include <optional>

#include "loadgen/core/exit_codes.h"
#include "stack/embedded_stack.h"

namespace lg::app {
namespace {

namespace fs = std::filesystem;

int up(const StackCommand& cmd) {
  stack::StackOptions o;
  o.replicas = cmd.replicas;
  o.max_replicas = cmd.max_replicas;
  o.fpm_children = cmd.fpm_children;
  o.base_port = cmd.base_port;
  o.front.redirect = cmd.redirect_https;
  o.detach = true;
  std::fprintf(stderr, "loadgen: bringing up the stack (%u replicas)...\n", o.replicas);
  auto s = stack::EmbeddedStack::up(o);
  if (!s) {
    std::cerr << "loadgen: " << s.error() << '\n';
    return kExitEnvironment;
  }
  if (auto r = (*s)->detach(); !r) {
    std::cerr << "loadgen: " << r.error() << '\n';
    return kExitEnvironment;
  }
  const auto& t = (*s)->times();
  std::cout << "url       " << (*s)->url() << "\nhttps     " << (*s)->https_url() << "\ntrust     "
            << (*s)->tls_cert().string() << " (--ca-file: the certificate HAProxy serves)"
            << "\nstats     " << (*s)->stats_url() << "\nrun dir   " << (*s)->layout().dir.string()
            << "\nup in     " << t.first_200.count() << " ms ("
            << (t.template_created ? "cold" : "warm")
            << " database)\nstop with loadgen stack down\n";
  return kExitPass;
}

// A --run-dir the user named: it must exist and be a stack run (check_stack_run); else exit 2
// with why, and nothing is touched.
std::optional<int> check_named_run(const fs::path& dir, const char* untouched) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) {
    std::cerr << "loadgen: stack: --run-dir " << dir.string()
              << ": no such directory (see loadgen stack status for the runs under "
              << stack::kDefaultRunRoot << ")\n";
    return kExitInvalidInput;
  }
  if (auto ok = stack::check_stack_run(dir); !ok) {
    std::cerr << "loadgen: stack: --run-dir: " << ok.error() << untouched << '\n';
    return kExitInvalidInput;
  }
  return std::nullopt;
}

std::vector<fs::path> chosen_runs(const StackCommand& cmd) {
  if (!cmd.run_dir.empty()) return {fs::path(cmd.run_dir)};
  return stack::list_runs();
}

// Exit: 0 when every recorded process of every run shown runs; 3 when one does not (or no run
// is found); 2 when --run-dir is missing or not a stack run.
int status(const StackCommand& cmd) {
  if (!cmd.run_dir.empty()) {
    if (auto bad = check_named_run(cmd.run_dir, "")) return *bad;
  }
  const auto runs = chosen_runs(cmd);
  if (runs.empty()) {
    std::cerr << "loadgen: no stack is running (none under " << stack::kDefaultRunRoot << ")\n";
    return kExitEnvironment;
  }
  int code = kExitPass;
  for (const auto& dir : runs) {
    auto report = stack::describe_run(dir);
    if (!report) {
      std::cerr << "loadgen: " << report.error() << '\n';
      code = kExitEnvironment;
      continue;
    }
    std::cout << report->text << '\n';
    if (!report->all_running) code = kExitEnvironment;
  }
  return code;
}

// Only stack runs are stopped and removed: a --run-dir that is not one is refused (exit 2,
// untouched); without --run-dir, the runs under the default root that are not are skipped.
int down(const StackCommand& cmd) {
  if (!cmd.run_dir.empty()) {
    if (auto bad = check_named_run(cmd.run_dir, "; nothing was stopped or removed")) return *bad;
  }
  const auto runs = chosen_runs(cmd);
  if (runs.empty()) {
    std::cout << "no stack is running\n";
    return kExitPass;
  }
  int code = kExitPass;
  for (const auto& dir : runs) {
    if (auto ok = stack::check_stack_run(dir); !ok) {  // listed by its stack.info only
      std::cerr << "loadgen: skipped: " << ok.error() << '\n';
      code = kExitEnvironment;
      continue;
    }
    auto stopped = stack::stop_recorded(dir);
    if (!stopped) {
      std::cerr << "loadgen: " << stopped.error() << '\n';
      code = kExitEnvironment;
      continue;
    }
    std::size_t acted = 0;
    std::string survivors;
    for (const auto& o : *stopped) {
      if (o.how == stack::StopOutcome::How::kGone) continue;
      ++acted;
      if (o.how == stack::StopOutcome::How::kSurvived) {
        survivors += (survivors.empty() ? "" : ", ") + o.process.name + " (pid " +
                     std::to_string(o.process.pid) + ")";
      }
    }
    std::error_code ec;
    if (survivors.empty()) fs::remove_all(dir, ec);
    std::cout << "stopped " << acted << " of " << stopped->size() << " recorded processes of "
              << dir.string();
    if (!survivors.empty()) {
      std::cout << "; still alive after SIGKILL: " << survivors << "; directory kept\n";
      code = kExitEnvironment;
    } else if (ec) {
      std::cout << "; cannot remove it: " << ec.message() << '\n';
      code = kExitEnvironment;
    } else {
      std::cout << "; removed it\n";
    }
  }
  return code;
}

}  // namespace

int stack_command(const StackCommand& cmd) {
  switch (cmd.action) {
    case StackCommand::Action::kUp:
      return up(cmd);
    case StackCommand::Action::kStatus:
      return status(cmd);
    case StackCommand::Action::kDown:
      return down(cmd);
  }
  return kExitInvalidInput;
}

}  // namespace lg::app
