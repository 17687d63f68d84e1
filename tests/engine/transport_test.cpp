// The transport seam on its own: a Transport made by the factory, driven by a recording owner
// on a loop on the test thread, against the loopback test server. Each loop runs until the
// transport reports closed; a watchdog timer closes it after kWatchdogMs instead of hanging,
// and the test fails on `timed_out`. Every loop must close cleanly (no handle leaked).
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "loadgen/engine/transport.h"
#include "loadgen/engine/transport_factory.h"
#include "tests/support/test_server.h"

using lg::engine::Transport;
using lg::engine::TransportFactory;
using lg::engine::TransportOwner;
using namespace lg::test;  // the shared helpers of tests/support

namespace {

constexpr std::uint64_t kWatchdogMs = 5000;
constexpr std::chrono::milliseconds kWait{5000};

std::string get(const std::string& path, const std::string& headers = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

// What the test server answers to GET / (see test_server.h), and to GET /close.
const std::string kOk =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
const std::string kOkClose =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: "
    "close\r\n\r\nok";

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  REQUIRE(uv_ip4_addr("127.0.0.1", port, &addr) == 0);
  return addr;
}

// Records every report of its transport; the test scripts what it does next through the
// `when_*` hooks (they run inside the reports, as Connection's code would).
class Probe final : public TransportOwner {
 public:
  // Plain TCP, or TLS with `tls`.
  explicit Probe(std::shared_ptr<const lg::engine::TlsContext> tls = nullptr) : factory_(tls) {
    REQUIRE(uv_loop_init(&loop_) == 0);
    transport_ = factory_.make(*this);
    REQUIRE(transport_ != nullptr);
    uv_timer_init(&loop_, &watchdog_);
    watchdog_.data = this;
    read_buf_ = uv_buf_init(read_storage_.get(), kReadBytes);
  }
  ~Probe() {
    if (loop_closed_) return;
    // A failed REQUIRE left the loop open: close what is open so the loop can be closed.
    when_connected = when_read = when_eof = when_closed = nullptr;
    transport_->close();
    if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&watchdog_)) == 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    }
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  Transport& transport() { return *transport_; }

  int connect(std::uint16_t port) {
    const auto addr = loopback(port);
    return connect(reinterpret_cast<const sockaddr*>(&addr));
  }
  int connect(const sockaddr* addr) {
    reconnecting_ = true;
    return transport_->connect(&loop_, addr, &read_buf_);
  }
  // Writes bytes that must stay valid until the write is done (the caller keeps them).
  void write(const std::string& request) {
    write_rc = transport_->write(request.data(), request.size());
    pending_after_write = transport_->write_pending();
  }

  // Runs the loop until the transport has closed for good, then closes the loop.
  void run() {
    uv_timer_start(&watchdog_, &Probe::on_watchdog, kWatchdogMs, 0);
    uv_run(&loop_, UV_RUN_DEFAULT);
    loop_closed_ = uv_loop_close(&loop_) == 0;
  }
  // Closes a loop on which the transport never opened (so no close report will come).
  void close_loop() {
    stop_watchdog();
    uv_run(&loop_, UV_RUN_DEFAULT);
    loop_closed_ = uv_loop_close(&loop_) == 0;
  }
  bool loop_closed_cleanly() const { return loop_closed_; }

  std::function<void()> when_connected;
  std::function<void()> when_read;
  std::function<void()> when_eof;
  std::function<void()> when_closed;  // may connect() again

  int connected = 0;
  int connect_failed = 0;
  int connect_status = 0;
  lg::ErrorKind connect_kind = lg::ErrorKind::kParse;  // kParse = no report
  int eofs = 0;
  int read_errors = 0;
  int writes_done = 0;
  int write_status = 1;  // 1 = no report
  int closed = 0;
  int write_rc = 1;  // 1 = write() not called
  bool pending_after_write = false;
  bool timed_out = false;
  std::string bytes;

 private:
  static constexpr std::size_t kReadBytes = 64 * 1024;

  void on_transport_connected() override {
    ++connected;
    if (when_connected) when_connected();
  }
  void on_transport_connect_failed(lg::ErrorKind kind, int status) override {
    ++connect_failed;
    connect_status = status;
    connect_kind = kind;
    transport_->close();  // what Connection does
  }
  void on_transport_read(const char* data, std::size_t len) override {
    bytes.append(data, len);
    if (when_read) when_read();
  }
  void on_transport_eof() override {
    ++eofs;
    if (when_eof) when_eof();
  }
  void on_transport_read_error(int) override {
    ++read_errors;
    transport_->close();
  }
  void on_transport_write_done(int status) override {
    ++writes_done;
    write_status = status;
  }
  void on_transport_closed() override {
    ++closed;
    reconnecting_ = false;
    if (when_closed) when_closed();
    if (!reconnecting_) stop_watchdog();
  }

  static void on_watchdog(uv_timer_t* t) {
    auto* p = static_cast<Probe*>(t->data);
    p->timed_out = true;
    p->stop_watchdog();
    p->transport_->close();
  }
  void stop_watchdog() {
    auto* h = reinterpret_cast<uv_handle_t*>(&watchdog_);
    if (uv_is_closing(h) == 0) uv_close(h, nullptr);
  }

  TransportFactory factory_;
  uv_loop_t loop_{};
  uv_timer_t watchdog_{};
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<char[]> read_storage_ = std::make_unique<char[]>(kReadBytes);
  uv_buf_t read_buf_{};
  bool reconnecting_ = false;
  bool loop_closed_ = false;
};

}  // namespace

TEST_CASE("transport: connect, write, read the response, write again, close", "[transport]") {
  TestServer server;
  Probe p;
  const std::string request = get("/");
  p.when_connected = [&] {
    CHECK_FALSE(p.transport().write_pending());
    p.write(request);
  };
  p.when_read = [&] {
    if (p.bytes == kOk) {
      p.write(request);  // keep-alive: the same connection again
    } else if (p.bytes.size() >= 2 * kOk.size()) {
      p.transport().close();
    }
  };
  REQUIRE(p.connect(server.port()) == 0);
  CHECK_FALSE(p.transport().closing());
  p.run();

  CHECK_FALSE(p.timed_out);
  CHECK(p.connected == 1);
  CHECK(p.connect_failed == 0);
  CHECK(p.write_rc == 0);
  CHECK_FALSE(p.pending_after_write);  // a small request fits an empty socket buffer at once
  CHECK(p.writes_done == 0);           // so no write completion is reported
  CHECK(p.bytes == kOk + kOk);
  CHECK(p.eofs == 0);
  CHECK(p.read_errors == 0);
  CHECK(p.closed == 1);
  CHECK_FALSE(p.transport().closing());
  CHECK(p.loop_closed_cleanly());
  CHECK(server.requests() == 2);
  CHECK(server.connections() == 1);
  CHECK(server.wait_until([&] { return server.open_connections() == 0; }, kWait));
  server.stop();
  CHECK(server.loop_closed_cleanly());
}

TEST_CASE("transport: the server's close is an EOF after the response", "[transport]") {
  TestServer server;
  Probe p;
  const std::string request = get("/close");
  p.when_connected = [&] { p.write(request); };
  p.when_eof = [&] { p.transport().close(); };
  REQUIRE(p.connect(server.port()) == 0);
  p.run();

  CHECK_FALSE(p.timed_out);
  CHECK(p.connected == 1);
  CHECK(p.write_rc == 0);
  CHECK(p.bytes == kOkClose);
  CHECK(p.eofs == 1);
  CHECK(p.read_errors == 0);
  CHECK(p.closed == 1);
  CHECK(p.loop_closed_cleanly());
  CHECK(server.requests() == 1);
}

TEST_CASE("transport: one transport object connects again after it closed", "[transport]") {
  TestServer server;
  Probe p;
  const std::string request = get("/");
  p.when_connected = [&] { p.write(request); };
  p.when_read = [&] {
    if (p.bytes.size() % kOk.size() == 0) p.transport().close();
  };
  p.when_closed = [&] {
    if (p.closed == 1) CHECK(p.connect(server.port()) == 0);
  };
  REQUIRE(p.connect(server.port()) == 0);
  p.run();

  CHECK_FALSE(p.timed_out);
  CHECK(p.connected == 2);
  CHECK(p.bytes == kOk + kOk);
  CHECK(p.closed == 2);
  CHECK(p.loop_closed_cleanly());
  CHECK(server.connections() == 2);
  CHECK(server.requests() == 2);
}

// A listener whose connection is accepted and read only when let go: until then the kernel
// holds the connection in the backlog with a small receive buffer, so a large write cannot all
// go at once, whatever the machine's load. Then it reads `expect` bytes and answers kOk.
class HeldReader {
 public:
  explicit HeldReader(std::size_t expect) : expect_(expect) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int small = 64 * 1024;  // set before listen: the accepted socket inherits it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~HeldReader() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::size_t received() {  // joins the reader first
    if (thread_.joinable()) thread_.join();
    return received_;
  }
  void let_go() {
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf(1 << 16, '\0');
      while (received_ < expect_) {
        const auto n = ::read(c, buf.data(), buf.size());
        if (n <= 0) break;
        received_ += static_cast<std::size_t>(n);
      }
      (void)!::write(c, kOk.data(), kOk.size());
      ::close(c);
    });
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::size_t expect_;
  std::size_t received_ = 0;
  std::thread thread_;
};

TEST_CASE("transport: a write larger than the socket buffer is queued, then reported done",
          "[transport]") {
  // 64 MiB: well beyond what one non-blocking send can take (tcp_wmem's maximum is 4 MiB by
  // default, and the peer reads nothing until the write has returned), so write() must queue.
  const std::size_t body_bytes = std::size_t{64} << 20;
  std::string request =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body_bytes) +
      "\r\n\r\n";
  const std::size_t head_bytes = request.size();
  request.append(body_bytes, 'x');
  HeldReader server(head_bytes + body_bytes);
  Probe p;
  p.when_connected = [&] {
    p.write(request);
    server.let_go();
  };
  p.when_read = [&] {
    if (p.bytes.size() >= kOk.size()) p.transport().close();
  };
  REQUIRE(p.connect(server.port()) == 0);
  p.run();

  CHECK_FALSE(p.timed_out);
  CHECK(p.write_rc == 0);
  CHECK(p.pending_after_write);
  CHECK(p.writes_done == 1);
  CHECK(p.write_status == 0);
  CHECK_FALSE(p.transport().write_pending());
  CHECK(p.bytes == kOk);
  CHECK(p.closed == 1);
  CHECK(p.loop_closed_cleanly());
  CHECK(server.received() == head_bytes + body_bytes);
}

TEST_CASE("transport: a port where nothing listens reports a failed connect", "[transport]") {
  // The port is bound but not listening, so nobody else can take it while the test runs.
  TestServer server(ServerOptions{.refuse = true});
  Probe p;
  p.when_connected = [&] { p.transport().close(); };
  REQUIRE(p.connect(server.port()) == 0);  // non-blocking: the refusal comes later
  p.run();

  CHECK_FALSE(p.timed_out);
  CHECK(p.connected == 0);
  CHECK(p.connect_failed == 1);
  CHECK(p.connect_status == UV_ECONNREFUSED);
  CHECK(p.connect_kind == lg::ErrorKind::kConnect);
  CHECK(p.bytes.empty());
  CHECK(p.closed == 1);
  CHECK(p.loop_closed_cleanly());
}

TEST_CASE("transport: a close while connecting is reported as closed, nothing else",
          "[transport]") {
  TestServer server;
  Probe p;
  REQUIRE(p.connect(server.port()) == 0);
  p.transport().close();
  CHECK(p.transport().closing());
  p.transport().close();  // twice is a no-op
  p.run();

  CHECK_FALSE(p.timed_out);
  CHECK(p.connected == 0);
  CHECK(p.connect_failed == 0);
  CHECK(p.closed == 1);
  CHECK_FALSE(p.transport().closing());
  CHECK(p.loop_closed_cleanly());
}

TEST_CASE("transport: a socket that cannot be made fails at once, with nothing to close",
          "[transport]") {
  Probe p;
  sockaddr addr{};
  addr.sa_family = AF_UNIX;  // not a TCP family: no socket is made
  CHECK(p.connect(&addr) == UV_EINVAL);
  CHECK_FALSE(p.transport().closing());
  p.transport().close();  // nothing open: a no-op
  p.close_loop();

  CHECK(p.closed == 0);
  CHECK(p.connect_failed == 0);
  CHECK(p.loop_closed_cleanly());
}
