#include "stack/listeners.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace lg::stack {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kListenState = "0A";  // TCP_LISTEN in include/net/tcp_states.h

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool is_number(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::vector<ListeningSocket> parse_listening(std::string_view text) {
  std::vector<ListeningSocket> out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    // "  sl  local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode)) {
      continue;
    }
    if (slot.empty() || slot.back() != ':' || state != kListenState) continue;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    ListeningSocket s;
    const std::string_view port = std::string_view(local).substr(colon + 1);
    const auto [p_end, p_ec] = std::from_chars(port.data(), port.data() + port.size(), s.port, 16);
    const auto [i_end, i_ec] = std::from_chars(inode.data(), inode.data() + inode.size(), s.inode);
    if (p_ec != std::errc{} || p_end != port.data() + port.size() || i_ec != std::errc{} ||
        i_end != inode.data() + inode.size() || port.empty()) {
      continue;
    }
    out.push_back(s);
  }
  return out;
}

std::vector<Listener> listeners_on(const std::set<std::uint16_t>& ports) {
  std::map<std::uint64_t, Listener> by_inode;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    for (const auto& s : parse_listening(read_text(file))) {
      if (ports.contains(s.port) && s.inode != 0) by_inode[s.inode] = Listener{s.port, s.inode, {}};
    }
  }
  if (!by_inode.empty()) {
    std::error_code ec;
    for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!is_number(name)) continue;
      std::error_code fd_ec;  // the process may exit meanwhile, or its fds be unreadable
      for (fs::directory_iterator fd(it->path() / "fd", fd_ec), fd_end; !fd_ec && fd != fd_end;
           fd.increment(fd_ec)) {
        char target[64];
        const auto n = ::readlink(fd->path().c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        const std::string_view link(target, static_cast<std::size_t>(n));
        if (!link.starts_with("socket:[") || !link.ends_with(']')) continue;
        const std::string_view digits = link.substr(8, link.size() - 9);
        std::uint64_t inode = 0;
        const auto [end_ptr, num_ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), inode);
        if (num_ec != std::errc{} || end_ptr != digits.data() + digits.size()) continue;
        const auto found = by_inode.find(inode);
        if (found == by_inode.end()) continue;
        const int pid = std::stoi(name);
        auto& pids = found->second.pids;
        if (std::ranges::find(pids, pid) == pids.end()) pids.push_back(pid);
      }
    }
  }
  std::vector<Listener> out;
  for (auto& [inode, l] : by_inode) {
    std::ranges::sort(l.pids);
    out.push_back(std::move(l));
  }
  std::ranges::sort(out, [](const Listener& a, const Listener& b) {
    return a.port != b.port ? a.port < b.port : a.inode < b.inode;
  });
  return out;
}

std::vector<RunPort> run_ports(const Ports& ports, std::uint32_t max_replicas) {
  std::vector<RunPort> out{{ports.haproxy(), "haproxy"},
                           {ports.stats(), "haproxy stats"},
                           {ports.mariadb(), "mariadb"},
                           {ports.autoscaler(), "autoscaler"}};
  for (std::uint32_t i = 1; i <= max_replicas; ++i) {
    out.push_back({ports.replica(i), nginx_name(i)});
  }
  return out;
}

std::string process_name(int pid) {
  std::string comm = read_text("/proc/" + std::to_string(pid) + "/comm");
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == '\r')) comm.pop_back();
  return comm.empty() ? "?" : comm;
}

}  // namespace lg::stack
