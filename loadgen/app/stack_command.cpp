#include "loadgen/app/stack_command.h"

#include <cstdio>
#include <iostream>

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
  std::cout << "url       " << (*s)->url() << "\nstats     " << (*s)->stats_url() << "\nrun dir   "
            << (*s)->layout().dir.string() << "\nup in     " << t.first_200.count() << " ms ("
            << (t.template_created ? "cold" : "warm")
            << " database)\nstop with loadgen stack down\n";
  return kExitPass;
}

std::vector<fs::path> chosen_runs(const StackCommand& cmd) {
  if (!cmd.run_dir.empty()) return {fs::path(cmd.run_dir)};
  return stack::list_runs();
}

int status(const StackCommand& cmd) {
  const auto runs = chosen_runs(cmd);
  if (runs.empty()) {
    std::cerr << "loadgen: no stack is running (none under " << stack::kDefaultRunRoot << ")\n";
    return kExitEnvironment;
  }
  int code = kExitPass;
  for (const auto& dir : runs) {
    auto text = stack::describe_run(dir);
    if (!text) {
      std::cerr << "loadgen: " << text.error() << '\n';
      code = kExitEnvironment;
      continue;
    }
    std::cout << *text << '\n';
  }
  return code;
}

int down(const StackCommand& cmd) {
  const auto runs = chosen_runs(cmd);
  if (runs.empty()) {
    std::cout << "no stack is running\n";
    return kExitPass;
  }
  int code = kExitPass;
  for (const auto& dir : runs) {
    auto stopped = stack::stop_recorded(dir);
    if (!stopped) {
      std::cerr << "loadgen: " << stopped.error() << '\n';
      code = kExitEnvironment;
      continue;
    }
    bool survivors = false;
    for (const auto& o : *stopped) survivors |= o.how == stack::StopOutcome::How::kSurvived;
    std::error_code ec;
    if (!survivors) fs::remove_all(dir, ec);
    std::cout << "stopped " << stopped->size() << " processes of " << dir.string()
              << (survivors ? " (some survived SIGKILL; directory kept)" : "") << '\n';
    if (survivors) code = kExitEnvironment;
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
