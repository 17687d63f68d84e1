// Listening sockets from /proc (stack/listeners.h): the parser on fixed text, then a socket
// this test opens, found with this process as its holder.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "stack/listeners.h"

using lg::stack::ListeningSocket;

TEST_CASE("parse_listening keeps LISTEN sockets of /proc/net/tcp and tcp6", "[listeners]") {
  // Two listeners (127.0.0.1:18000 = 0x4650, [::]:8080 = 0x1F90), one established connection.
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:4650 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 123456 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:4650 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        "
      "0 123999 1 0000000000000000 20 4 30 10 -1\n";
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st "
      "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000   101        0 777 1 0000000000000000 100 0 0 10 "
      "0\n";
  const auto v4 = lg::stack::parse_listening(tcp);
  REQUIRE(v4.size() == 1);
  CHECK(v4[0].port == 18000);
  CHECK(v4[0].inode == 123456);
  const auto v6 = lg::stack::parse_listening(tcp6);
  REQUIRE(v6.size() == 1);
  CHECK(v6[0].port == 8080);
  CHECK(v6[0].inode == 777);
  CHECK(lg::stack::parse_listening("").empty());
  CHECK(lg::stack::parse_listening("garbage line\n   0: nonsense\n").empty());
}

TEST_CASE("listeners_on finds a socket this process listens on, and only on the ports asked",
          "[listeners]") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const auto port = ntohs(addr.sin_port);

  const auto found = lg::stack::listeners_on({port});
  REQUIRE(found.size() == 1);
  CHECK(found[0].port == port);
  CHECK(found[0].pids == std::vector<int>{::getpid()});
  CHECK(lg::stack::process_name(::getpid()) != "?");
  ::close(fd);
  CHECK(lg::stack::listeners_on({port}).empty());
}

TEST_CASE("run_ports names every port of a run's block", "[listeners]") {
  const auto ports = lg::stack::run_ports(lg::stack::Ports{18000}, 3);
  REQUIRE(ports.size() == 7);
  CHECK(ports[0].port == 18000);
  CHECK(ports[0].role == "haproxy");
  CHECK(ports[1].role == "haproxy stats");
  CHECK(ports[2].port == 18002);
  CHECK(ports[2].role == "mariadb");
  CHECK(ports[3].role == "autoscaler");
  CHECK(ports[4].port == 18011);
  CHECK(ports[4].role == "nginx-1");
  CHECK(ports[6].port == 18013);
}
