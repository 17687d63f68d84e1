// Which processes listen on a run's ports, from /proc alone (no ss, no netlink): the LISTEN
// sockets of /proc/net/tcp and /proc/net/tcp6, and the processes holding those sockets, found
// by their inode in /proc/<pid>/fd. `loadgen stack status` shows them so that a process left
// serving on a replica port (an nginx worker whose master died) is seen, whatever the run's
// records say.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "stack/layout.h"

namespace lg::stack {

struct ListeningSocket {
  std::uint16_t port = 0;
  std::uint64_t inode = 0;
};

// The sockets in state LISTEN (0A) in the text of /proc/net/tcp or /proc/net/tcp6 (proc(5)),
// in file order. Lines that do not parse (the header) are skipped.
std::vector<ListeningSocket> parse_listening(std::string_view proc_net_tcp);

struct Listener {
  std::uint16_t port = 0;
  std::uint64_t inode = 0;
  std::vector<int> pids;  // every process holding the socket, ascending; empty if none found
};

// The sockets listening on any of `ports`, IPv4 and IPv6, in this network namespace, sorted
// by port (then inode). Processes whose fds cannot be read (another user's, without root) are
// missed.
std::vector<Listener> listeners_on(const std::set<std::uint16_t>& ports);

// A port of a run and what listens there: "haproxy", "haproxy stats", "mariadb",
// "autoscaler", "nginx-<i>".
struct RunPort {
  std::uint16_t port = 0;
  std::string role;
};
std::vector<RunPort> run_ports(const Ports& ports, std::uint32_t max_replicas);

// The command name of a process (/proc/<pid>/comm), "?" if it is gone.
std::string process_name(int pid);

}  // namespace lg::stack
