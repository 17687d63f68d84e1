// A TLS front for TestServer in loop tests: terminates TLS with a given certificate and relays
// the plain bytes both ways to a backend port, so every TestServer path (/hang, /reset,
// /garbage, /short, close_after, ...) can be met over HTTPS, plus misbehaviours of the TLS
// layer itself (Mode). The relay mirrors the backend's way of ending: its FIN becomes a
// close_notify then a FIN (or only a FIN, kNoCloseNotify), its reset becomes a TCP reset.
//
// Blocking sockets with one thread per connection (tests open a few dozen at most); the
// engine under test is the non-blocking side. OpenSSL's server session cache and TLS 1.3
// tickets are on, so a client offering its last session resumes it; resumed() counts those.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lg::test {

class TlsRelay {
 public:
  enum class Mode {
    kRelay,             // TLS, then relay; the backend's FIN ends with close_notify
    kNoCloseNotify,     // as kRelay, but the backend's FIN becomes a bare FIN (truncation)
    kHandshakeHang,     // accept TCP, read the ClientHello, never answer
    kHandshakeGarbage,  // answer the ClientHello with bytes that are not TLS, then FIN
    kHandshakeReset,    // read the ClientHello, then a TCP reset
  };

  // Listens on 127.0.0.1:0; cert and key are PEM files. Throws std::runtime_error when the
  // certificate cannot be loaded or the port cannot be bound.
  TlsRelay(std::uint16_t backend_port, const std::string& cert_file, const std::string& key_file,
           Mode mode = Mode::kRelay);
  ~TlsRelay();  // stops accepting, ends every connection, joins every thread
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint64_t accepted() const { return accepted_; }      // TCP connections accepted
  std::uint64_t handshakes() const { return handshakes_; }  // TLS handshakes completed
  std::uint64_t resumed() const { return resumed_; }        // of those, resumed sessions

 private:
  struct Ctx;
  void accept_loop();
  void serve(int fd);
  void relay(int client, void* ssl);
  void track(int fd);
  void untrack(int fd);

  std::uint16_t backend_;
  Mode mode_;
  std::unique_ptr<Ctx> ctx_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> accepted_{0}, handshakes_{0}, resumed_{0};
  std::mutex mu_;
  std::vector<int> open_fds_;  // every socket a connection thread may block on
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace lg::test
