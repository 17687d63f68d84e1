#include "tests/support/tls_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace lg::test {

struct TlsRelay::Ctx {
  SSL_CTX* ctx = nullptr;
  ~Ctx() { SSL_CTX_free(ctx); }
};

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool ssl_write_all(SSL* ssl, const char* p, std::size_t n) {
  while (n > 0) {
    const int w = SSL_write(ssl, p, static_cast<int>(n));
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void drain(int fd) {
  char buf[4096];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
}

// The next close of fd sends a TCP reset instead of a FIN.
void reset_on_close(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

}  // namespace

TlsRelay::TlsRelay(std::uint16_t backend_port, const std::string& cert_file,
                   const std::string& key_file, Mode mode)
    : backend_(backend_port), mode_(mode), ctx_(std::make_unique<Ctx>()) {
  ctx_->ctx = SSL_CTX_new(TLS_server_method());
  if (ctx_->ctx == nullptr ||
      SSL_CTX_use_certificate_chain_file(ctx_->ctx, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_->ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("tls relay: cannot load " + cert_file + " / " + key_file);
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("tls relay: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TlsRelay::~TlsRelay() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (const int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes every blocked read
  }
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
}

void TlsRelay::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    ++accepted_;
    track(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void TlsRelay::track(int fd) {
  std::lock_guard lock(mu_);
  open_fds_.push_back(fd);
  if (stopping_) ::shutdown(fd, SHUT_RDWR);
}

void TlsRelay::untrack(int fd) {
  std::lock_guard lock(mu_);  // closed under the lock: the destructor never shuts a reused fd
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

void TlsRelay::serve(int fd) {
  // SSL_write to a client that vanished raises SIGPIPE in this thread: keep it pending here.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  char hello[4096];
  switch (mode_) {
    case Mode::kHandshakeHang:
      drain(fd);  // until the client gives up (or the relay stops)
      break;
    case Mode::kHandshakeGarbage:
      if (::recv(fd, hello, sizeof hello, 0) > 0) {
        static constexpr char kNotTls[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
        send_all(fd, kNotTls, sizeof kNotTls - 1);
      }
      ::shutdown(fd, SHUT_WR);
      drain(fd);
      break;
    case Mode::kHandshakeReset:
      if (::recv(fd, hello, sizeof hello, 0) > 0) reset_on_close(fd);
      break;
    case Mode::kRelay:
    case Mode::kNoCloseNotify: {
      SSL* ssl = SSL_new(ctx_->ctx);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        ++handshakes_;
        if (SSL_session_reused(ssl)) ++resumed_;
        relay(fd, ssl);
      }
      SSL_free(ssl);
      ERR_clear_error();
      break;
    }
  }
  untrack(fd);
}

void TlsRelay::relay(int client, void* ssl_ptr) {
  auto* ssl = static_cast<SSL*>(ssl_ptr);
  const int backend = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in a = loopback(backend_);
  track(backend);
  if (::connect(backend, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    untrack(backend);
    return;
  }
  std::array<char, 16384> buf{};
  for (;;) {
    std::array<pollfd, 2> p{{{client, POLLIN, 0}, {backend, POLLIN, 0}}};
    if (SSL_pending(ssl) == 0 && ::poll(p.data(), p.size(), -1) < 0) break;
    if (SSL_pending(ssl) > 0 || p[0].revents != 0) {
      const int n = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()));
      if (n <= 0 || !send_all(backend, buf.data(), static_cast<std::size_t>(n))) break;
      continue;
    }
    if (p[1].revents == 0) continue;
    const ssize_t n = ::recv(backend, buf.data(), buf.size(), 0);
    if (n > 0) {
      if (!ssl_write_all(ssl, buf.data(), static_cast<std::size_t>(n))) break;
      continue;
    }
    if (n < 0) {  // the backend reset: so does the relay
      reset_on_close(client);
      break;
    }
    // The backend's FIN: close_notify (unless told not to), a FIN, then wait for the client.
    if (mode_ == Mode::kRelay) SSL_shutdown(ssl);
    ::shutdown(client, SHUT_WR);
    drain(client);
    break;
  }
  untrack(backend);
}

}  // namespace lg::test
