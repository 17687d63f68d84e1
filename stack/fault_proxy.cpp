#include "stack/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdlib>

#include "stack/companion_binary.h"
#include "stack/posix_fd.h"

namespace lg::stack {
namespace {

constexpr std::chrono::milliseconds kControlTimeout{2000};
constexpr std::size_t kMaxAnswer = 4096;  // bytes; an answer is one short line

}  // namespace

std::filesystem::path fault_proxy_binary() {
#ifdef LG_FAULTPROXY_BINARY
  return companion_binary("LG_FAULTPROXY", LG_FAULTPROXY_BINARY, "loadgen-faultproxy");
#else
  return companion_binary("LG_FAULTPROXY", nullptr, "loadgen-faultproxy");
#endif
}

std::expected<ProcessSpec, std::string> fault_proxy_spec(const Layout& layout, const Ports& ports,
                                                         std::uint32_t max_replicas) {
  const auto bin = fault_proxy_binary();
  if (!std::filesystem::exists(bin)) {
    return std::unexpected("stack: the fault proxy binary " + bin.string() +
                           " is missing (build loadgen, or set LG_FAULTPROXY)");
  }
  ProcessSpec spec;
  spec.name = "faultproxy";
  spec.argv = {bin.string(), "--control", std::to_string(ports.fault_control())};
  spec.argv.emplace_back("--route");
  spec.argv.push_back(std::to_string(ports.db_proxy()) + ":" + std::to_string(ports.mariadb()));
  for (std::uint32_t i = 1; i <= max_replicas; ++i) {
    spec.argv.emplace_back("--route");
    spec.argv.push_back(std::to_string(ports.replica_proxy(i)) + ":" +
                        std::to_string(ports.replica(i)));
  }
  spec.log = layout.logs() / "faultproxy.log";
  spec.cwd = layout.dir;
  spec.stop_signal = SIGTERM;
  return spec;
}

std::expected<std::string, std::string> fault_control(std::uint16_t control_port,
                                                      std::string_view line) {
  const auto deadline = std::chrono::steady_clock::now() + kControlTimeout;
  const auto who = "the fault proxy's control port " + std::to_string(control_port);
  const Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return std::unexpected("socket: " + errno_text(errno));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(control_port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
    if (errno != EINPROGRESS) return std::unexpected(who + ": connect: " + errno_text(errno));
    if (auto done = finish_connect(fd.get(), deadline); !done)
      return std::unexpected(who + ": " + done.error());
  }
  if (auto sent = send_all(fd.get(), std::string(line) + "\n", deadline); !sent)
    return std::unexpected(who + ": " + sent.error());
  std::string answer;
  char buf[512];
  while (answer.find('\n') == std::string::npos) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      answer.append(buf, static_cast<std::size_t>(n));
      if (answer.size() > kMaxAnswer) return std::unexpected(who + ": answer too long");
      continue;
    }
    if (n == 0) return std::unexpected(who + ": closed without an answer");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return std::unexpected(who + ": recv: " + errno_text(errno));
    const auto ready = wait_fd(fd.get(), POLLIN, deadline);
    if (!ready) return std::unexpected(who + ": " + ready.error());
    if (!*ready) return std::unexpected(who + ": no answer within 2 s");
  }
  answer.resize(answer.find('\n'));
  if (answer.starts_with("error")) return std::unexpected(answer);
  return answer;
}

}  // namespace lg::stack
