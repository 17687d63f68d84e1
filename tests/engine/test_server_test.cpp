// Self-test of the loopback TestServer, driven from the test thread with plain blocking POSIX
// sockets. Every blocking call is bounded by SO_RCVTIMEO / SO_SNDTIMEO, so a bug fails a check
// instead of hanging. Every server ends with stop() and loop_closed_cleanly().
#include "tests/support/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using lg::test::ServerOptions;
using lg::test::TestServer;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kWait{5000};  // bound for anything that should happen at once

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - t).count());
}

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One blocking client connection to 127.0.0.1:port.
class Client {
 public:
  explicit Client(std::uint16_t port, int timeout_ms = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    set_timeout(timeout_ms);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_error_ =
        ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  int connect_error() const { return connect_error_; }

  void set_timeout(int ms) {
    timeval tv{};
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  static std::string request(std::string_view path, std::string_view method = "GET",
                             std::string_view extra_headers = "") {
    std::string r(method);
    r += ' ';
    r += path;
    r += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    r += extra_headers;
    r += "\r\n";
    return r;
  }
  void get(std::string_view path) { send(request(path)); }

  // Reads more bytes into the buffer: > 0 bytes read, 0 on EOF, -errno on error or timeout.
  long fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0) return -errno;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return static_cast<long>(n);
  }

  // Reads until EOF or an error; returns 0 for EOF, else -errno. Bytes stay in buffered().
  long drain() {
    for (;;) {
      const long n = fill();
      if (n <= 0) return n;
    }
  }

  // True if a byte (or EOF) is readable within `ms`.
  bool readable(int ms) {
    if (!buf_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }

  // Reads exactly one response (the client's own parser, independent of llhttp).
  Reply read_reply(bool head = false) {
    Reply r;
    std::size_t end = 0;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) need_more("headers");
    const std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    REQUIRE(status_line.rfind("HTTP/1.1 ", 0) == 0);
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const std::string line = head_text.substr(start, line_end - start);
      const std::size_t colon = line.find(':');
      REQUIRE(colon != std::string::npos);
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (head || r.status == 204 || r.status == 304) return r;
    if (r.header("transfer-encoding") == "chunked") {
      read_chunked(r.body);
    } else if (r.has("content-length")) {
      const auto length = std::stoul(r.header("content-length"));
      while (buf_.size() < length) need_more("body");
      r.body = buf_.substr(0, length);
      buf_.erase(0, length);
    } else {
      const long rc = drain();  // close-delimited
      REQUIRE(rc == 0);
      r.body = std::exchange(buf_, std::string());
    }
    return r;
  }

  // True if the server closed: EOF with nothing buffered.
  bool at_eof() { return buf_.empty() && fill() == 0; }

  const std::string& buffered() const { return buf_; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void need_more(const char* what) {
    const long n = fill();
    INFO("reading " << what << ": recv returned " << n << " ("
                    << std::strerror(static_cast<int>(-n)) << "), buffered: " << buf_);
    REQUIRE(n > 0);
  }

  void read_chunked(std::string& body) {
    for (;;) {
      std::size_t eol = 0;
      while ((eol = buf_.find("\r\n")) == std::string::npos) need_more("chunk size");
      const std::size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2) need_more("chunk");
      body += buf_.substr(eol + 2, size);
      REQUIRE(buf_.substr(eol + 2 + size, 2) == "\r\n");
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) return;  // no trailers from this server
    }
  }

  int fd_ = -1;
  int connect_error_ = 0;
  std::string buf_;
};

// Waits for the counters the server updates after the client already saw the effect.
void settle(const TestServer& s, std::uint64_t requests, std::uint64_t responses) {
  CHECK(
      s.wait_until([&] { return s.requests() == requests && s.responses() == responses; }, kWait));
  CHECK(s.requests() == requests);
  CHECK(s.responses() == responses);
}

// Stops the server: its loop closed with no connection left open, and (when given) the count
// of connections it accepted in its life still reads `accepted` after the stop.
void stop_cleanly(TestServer& s, std::optional<std::uint64_t> accepted = std::nullopt) {
  s.stop();
  CHECK(s.loop_closed_cleanly());
  CHECK(s.open_connections() == 0);
  if (accepted) {
    CHECK(s.connections() == *accepted);
  }
}

}  // namespace

TEST_CASE("TestServer: / and unknown paths answer 200 ok on a keep-alive connection",
          "[test_server]") {
  TestServer server;
  CHECK(server.port() != 0);
  CHECK_FALSE(server.loop_closed_cleanly());
  Client c(server.port());
  REQUIRE(c.connect_error() == 0);
  for (const char* path : {"/", "/anything?x=1", "/status"}) {
    c.get(path);
    const Reply r = c.read_reply();
    CHECK(r.status == 200);
    CHECK(r.body == "ok");
    CHECK(r.header("content-length") == "2");
    CHECK_FALSE(r.has("connection"));
  }
  settle(server, 3, 3);
  CHECK(server.connections() == 1);
  CHECK(server.open_connections() == 1);
  c.close();
  CHECK(server.wait_until([&] { return server.open_connections() == 0; }, kWait));
  stop_cleanly(server, /*accepted=*/1);
}

TEST_CASE("TestServer: /status/NNN and HEAD", "[test_server]") {
  TestServer server;
  Client c(server.port());
  c.get("/status/503");
  Reply r = c.read_reply();
  CHECK(r.status == 503);
  CHECK(r.body == "status 503");
  c.get("/status/204");
  r = c.read_reply();
  CHECK(r.status == 204);
  CHECK_FALSE(r.has("content-length"));
  c.get("/status/404?q");
  CHECK(c.read_reply().status == 404);
  for (const char* bad : {"/status/99", "/status/600", "/status/abc", "/status/"}) {
    c.get(bad);
    r = c.read_reply();
    CHECK(r.status == 400);
    CHECK(r.body == "bad path");
  }
  c.send(Client::request("/status/201", "HEAD"));
  r = c.read_reply(/*head=*/true);
  CHECK(r.status == 201);
  CHECK(r.header("content-length") == "10");
  c.get("/");  // proves HEAD sent no body: this reply parses
  CHECK(c.read_reply().body == "ok");
  settle(server, 9, 9);
  stop_cleanly(server);
}

TEST_CASE("TestServer: /delay/MS waits at least MS while other connections are served",
          "[test_server]") {
  TestServer server;
  Client slow(server.port());
  Client fast(server.port());
  const auto t0 = Clock::now();
  slow.get("/delay/300");
  fast.get("/");
  CHECK(fast.read_reply().body == "ok");
  CHECK(ms_since(t0) < 300);
  CHECK_FALSE(slow.readable(0));
  const Reply r = slow.read_reply();
  CHECK(r.status == 200);
  CHECK(ms_since(t0) >= 300);
  slow.get("/delay/0");
  CHECK(slow.read_reply().status == 200);
  slow.get("/delay/x");
  CHECK(slow.read_reply().status == 400);
  settle(server, 4, 4);
  stop_cleanly(server);
}

TEST_CASE("TestServer: pipelined requests are answered in order", "[test_server]") {
  TestServer server;
  Client c(server.port());
  const auto t0 = Clock::now();
  c.send(Client::request("/delay/100") + Client::request("/status/201") +
         Client::request("/bytes/5") + Client::request("/chunked") +
         Client::request("/", "POST", "Content-Length: 4\r\n") + "body" + Client::request("/"));
  CHECK(c.read_reply().status == 200);
  CHECK(ms_since(t0) >= 100);
  CHECK(c.read_reply().status == 201);
  CHECK(c.read_reply().body == "xxxxx");
  CHECK(c.read_reply().body == "hello world");
  CHECK(c.read_reply().body == "ok");
  CHECK(c.read_reply().body == "ok");
  settle(server, 6, 6);
  stop_cleanly(server);
}

TEST_CASE("TestServer: /hang never answers, and stop() closes the connection", "[test_server]") {
  TestServer server;
  Client c(server.port(), 300);
  c.send(Client::request("/hang") + Client::request("/"));
  CHECK(c.fill() == -EAGAIN);  // SO_RCVTIMEO expired: nothing came
  CHECK(c.buffered().empty());
  settle(server, 2, 0);
  CHECK(server.open_connections() == 1);
  stop_cleanly(server);
  c.set_timeout(5000);
  CHECK(c.at_eof());
}

TEST_CASE("TestServer: /reset sends part of the body, then resets", "[test_server]") {
  TestServer server;
  Client c(server.port());
  c.get("/reset");
  const long rc = c.drain();
  INFO("drain returned " << rc << ", got: " << c.buffered());
  CHECK((rc == -ECONNRESET || rc == 0));
  const std::string& got = c.buffered();
  CHECK(got.find("Content-Length: 100\r\n") != std::string::npos);
  const std::size_t body_at = got.find("\r\n\r\n");
  REQUIRE(body_at != std::string::npos);
  CHECK(got.size() - (body_at + 4) <= 10);  // never the promised 100
  settle(server, 1, 0);
  CHECK(server.wait_until([&] { return server.open_connections() == 0; }, kWait));
  stop_cleanly(server);
}

TEST_CASE("TestServer: /close and a closing request end the connection after the reply",
          "[test_server]") {
  TestServer server;
  Client a(server.port());
  a.get("/close");
  Reply r = a.read_reply();
  CHECK(r.status == 200);
  CHECK(r.header("connection") == "close");
  CHECK(a.at_eof());

  Client b(server.port());  // the request asks to close; a request pipelined behind is ignored
  b.send(Client::request("/", "GET", "Connection: close\r\n") + Client::request("/"));
  r = b.read_reply();
  CHECK(r.body == "ok");
  CHECK(r.header("connection") == "close");
  CHECK(b.at_eof());
  settle(server, 2, 2);
  a.close();
  b.close();
  CHECK(server.wait_until([&] { return server.open_connections() == 0; }, kWait));
  stop_cleanly(server);
}

TEST_CASE("TestServer: /chunked, /eof and /bytes/N bodies", "[test_server]") {
  TestServer server;
  Client c(server.port());
  c.get("/chunked");
  Reply r = c.read_reply();
  CHECK(r.header("transfer-encoding") == "chunked");
  CHECK(r.body == "hello world");
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1} << 20}) {
    c.get("/bytes/" + std::to_string(n));
    r = c.read_reply();
    CHECK(r.status == 200);
    CHECK(r.body == std::string(n, 'x'));
  }
  c.get("/bytes/67108865");
  CHECK(c.read_reply().status == 400);
  c.get("/eof");
  r = c.read_reply();  // reads to EOF: no length, no chunking
  CHECK_FALSE(r.has("content-length"));
  CHECK_FALSE(r.has("transfer-encoding"));
  CHECK(r.body == "close-delimited body");
  settle(server, 6, 6);
  stop_cleanly(server);
}

TEST_CASE("TestServer: close_after closes silently after N responses", "[test_server]") {
  TestServer server(ServerOptions{.close_after = 3});
  Client a(server.port());
  for (int i = 0; i < 3; ++i) {
    a.get("/");
    const Reply r = a.read_reply();
    CHECK(r.body == "ok");
    CHECK_FALSE(r.has("connection"));
  }
  CHECK(a.at_eof());

  Client b(server.port());  // pipelined past the limit: 3 answers, then EOF; 2 never counted
  std::string five;
  for (int i = 0; i < 5; ++i) five += Client::request("/");
  b.send(five);
  for (int i = 0; i < 3; ++i) CHECK(b.read_reply().body == "ok");
  CHECK(b.at_eof());
  settle(server, 6, 6);
  CHECK(server.connections() == 2);
  stop_cleanly(server);
}

TEST_CASE("TestServer: a stall holds every response, then releases them", "[test_server]") {
  TestServer server(ServerOptions{.stall_after = 2, .stall_ms = 300});
  Client delayed(server.port());
  Client trigger(server.port());
  Client during(server.port());
  delayed.get("/delay/50");  // request 1: in progress when the stall starts
  REQUIRE(server.wait_until([&] { return server.requests() == 1; }, kWait));
  const auto t0 = Clock::now();
  trigger.get("/");  // request 2 starts the stall
  during.get("/");   // request 3 arrives during it
  CHECK(trigger.read_reply().body == "ok");
  CHECK(ms_since(t0) >= 300);
  CHECK(during.read_reply().body == "ok");
  CHECK(delayed.read_reply().body == "ok");
  CHECK(ms_since(t0) >= 300);
  const auto t1 = Clock::now();  // the stall happens once
  during.get("/");
  CHECK(during.read_reply().body == "ok");
  CHECK(ms_since(t1) < 300);
  settle(server, 4, 4);
  stop_cleanly(server);
}

TEST_CASE("TestServer: refuse binds without listening", "[test_server]") {
  TestServer server(ServerOptions{.refuse = true});
  REQUIRE(server.port() != 0);
  Client c(server.port());
  CHECK(c.connect_error() == ECONNREFUSED);
  stop_cleanly(server, /*accepted=*/0);
}

TEST_CASE("TestServer: malformed input gets 400 and a close", "[test_server]") {
  TestServer server;
  Client c(server.port());
  c.send("NOT HTTP AT ALL\r\n\r\n");
  const Reply r = c.read_reply();
  CHECK(r.status == 400);
  CHECK(r.header("connection") == "close");
  CHECK(c.at_eof());
  settle(server, 0, 1);
  stop_cleanly(server);
}

TEST_CASE("TestServer: a client vanishing mid-response costs only its connection",
          "[test_server]") {
  TestServer server;
  {
    Client c(server.port());
    c.get("/bytes/33554432");
    CHECK(c.fill() > 0);
  }  // closed with unread data: the server's write fails
  CHECK(server.wait_until([&] { return server.open_connections() == 0; }, kWait));
  CHECK(server.responses() == 0);
  Client next(server.port());
  next.get("/");
  CHECK(next.read_reply().body == "ok");
  settle(server, 2, 1);
  stop_cleanly(server);
}

TEST_CASE("TestServer: counters are exact over many connections", "[test_server]") {
  TestServer server;
  constexpr int kConnections = 400;  // 800 fds: fits the default soft limit of 1024
  constexpr int kRounds = 3;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    REQUIRE(clients.back()->connect_error() == 0);
  }
  for (int round = 0; round < kRounds; ++round) {
    for (auto& c : clients) c->get(round == 1 ? "/status/500" : "/");
    for (auto& c : clients) CHECK(c->read_reply().status == (round == 1 ? 500 : 200));
  }
  settle(server, kConnections * kRounds, kConnections * kRounds);
  CHECK(server.connections() == kConnections);
  CHECK(server.open_connections() == kConnections);
  clients.clear();
  CHECK(server.wait_until([&] { return server.open_connections() == 0; }, kWait));
  stop_cleanly(server);
}

TEST_CASE("TestServer: deep pipelines stay ordered and counted", "[test_server]") {
  TestServer server;
  constexpr int kConnections = 4;
  constexpr int kDepth = 5000;
  std::vector<std::unique_ptr<Client>> clients;
  std::string batch;
  for (int i = 0; i < kDepth; ++i) batch += Client::request("/bytes/" + std::to_string(i % 7));
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    clients.back()->send(batch);
  }
  for (auto& c : clients) {
    bool ordered = true;
    for (int i = 0; i < kDepth; ++i) {
      ordered = ordered && c->read_reply().body.size() == static_cast<std::size_t>(i % 7);
    }
    CHECK(ordered);
  }
  settle(server, kConnections * kDepth, kConnections * kDepth);
  stop_cleanly(server);
}

TEST_CASE("TestServer: stop() is idempotent and cleans up pending work", "[test_server]") {
  TestServer server(ServerOptions{.stall_after = 1, .stall_ms = 60000});
  Client a(server.port());
  Client b(server.port());
  a.get("/");  // starts a one-minute stall
  b.get("/delay/60000");
  REQUIRE(server.wait_until([&] { return server.requests() == 2; }, kWait));
  server.stop();
  server.stop();
  CHECK(server.loop_closed_cleanly());
  CHECK(server.open_connections() == 0);
  CHECK(server.responses() == 0);
  CHECK(a.at_eof());
  CHECK(b.at_eof());
  CHECK(server.wait_until([] { return false; }, kWait) == false);  // returns at once after stop
}
