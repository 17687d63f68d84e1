// The scriptable loopback HTTP/1.1 server (see test_server.h for the behaviour per path).
//
// Shape: one Core per TestServer owns a uv_loop, the listener, a stop async, a stall timer and an
// intrusive list of connections (oldest first). Each Conn owns a tcp handle, a timer (for /delay)
// and an llhttp request parser, plus a queue of parsed requests not yet answered. Parsed
// requests are only queued; pump() answers from the head of the queue as long as the head is
// due, so pipelined responses keep their order. All reads share one buffer: libuv calls
// alloc_cb, read() and read_cb back to back on the loop thread, and the parser consumes the
// bytes before read_cb returns. A Conn is freed only in the last of its two close callbacks; a
// WriteReq is freed in its write callback, which libuv runs (with UV_ECANCELED if need be)
// before the tcp handle's close callback.
#include "tests/support/test_server.h"
#include "tests/support/wait_until.h"

#include <llhttp.h>
#include <pthread.h>
#include <uv.h>

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace lg::test {
namespace {

constexpr std::uint64_t kNsPerMs = 1'000'000;
constexpr std::uint64_t kMaxDelayMs = 600'000;
constexpr std::uint64_t kMaxBodyBytes = std::uint64_t{64} << 20;
constexpr std::size_t kMaxUrlBytes = 8 * 1024;
constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr int kBacklog = 4096;  // The kernel clamps it to net.core.somaxconn.

enum class Kind : std::uint8_t {
  Ok,          // "/", "/close" (closing), "/delay/MS" (due later) and anything unknown
  Status,      // "/status/NNN": arg = NNN
  BadPath,     // a known prefix with a bad number
  Bytes,       // "/bytes/N": arg = N
  Chunked,     // "/chunked"
  Eof,         // "/eof" (closing)
  Reset,       // "/reset"
  Hang,        // "/hang"
  Garbage,     // "/garbage" (closing): bytes that are not HTTP
  Short,       // "/short" (closing): Content-Length 1000, 10 body bytes
  BadRequest,  // llhttp rejected the input (closing)
};

// One parsed request waiting for its response.
struct Pending {
  std::uint64_t due_ns = 0;  // uv_hrtime() at which it may be answered; 0 = at once
  std::uint64_t arg = 0;
  Kind kind = Kind::Ok;
  bool head = false;       // HEAD: headers only
  bool say_close = false;  // send "Connection: close"
  bool closing = false;    // close the connection after this response
};

// What to do once a response has been written.
enum class After : std::uint8_t { Nothing, Shutdown, Reset };

struct Core;

struct Conn {
  explicit Conn(Core* s) : server(s) {}
  uv_tcp_t tcp{};
  uv_timer_t timer{};
  uv_shutdown_t shutdown{};
  llhttp_t parser{};
  Core* server;
  Conn* prev = nullptr;
  Conn* next = nullptr;
  std::string url;               // of the request being parsed
  std::vector<Pending> pending;  // [head, size) not answered yet
  std::size_t head = 0;
  std::uint64_t requests_seen = 0;
  int open_handles = 2;  // tcp and timer; freed when both close callbacks ran
  bool accepted = false;
  bool keep_alive = true;  // of the request being parsed
  bool is_head = false;    // of the request being parsed
  bool parsing = true;     // false after a closing request or malformed input: discard reads
  bool finishing = false;  // the last response is queued: write nothing more
  bool closing = false;    // uv_close called
};

struct WriteReq {
  uv_write_t req{};
  Conn* conn = nullptr;
  std::string bytes;
  After after = After::Nothing;
  bool counts = true;  // counts as a response once written
};

struct Core {
  explicit Core(const ServerOptions& options);
  ~Core() = default;
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  void start_thread();
  void stop();
  bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) const;

  // Wakes wait_until() callers after a counter changed. Cheap when nobody waits.
  void changed() const {
    generation.fetch_add(1);
    if (waiters.load() == 0) return;
    std::lock_guard lock(mutex);
    cv.notify_all();
  }
  void bump(std::atomic<std::uint64_t>& counter) {
    counter.fetch_add(1);
    changed();
  }

  ServerOptions options;
  uv_loop_t loop{};
  uv_tcp_t listener{};
  uv_async_t stop_async{};
  uv_timer_t stall_timer{};
  llhttp_settings_t settings{};
  std::array<char, kReadBufferBytes> read_buffer{};
  Conn* first = nullptr;
  Conn* last = nullptr;
  std::uint64_t stall_until_ns = 0;
  bool stall_triggered = false;
  bool stalled = false;
  std::uint16_t port = 0;
  bool loop_clean = false;  // written by the server thread before it ends, read after join

  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> responses{0};
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> open{0};
  std::atomic<bool> stopped{false};
  mutable std::atomic<std::uint64_t> generation{0};  // bumped by changed() and by stop()
  mutable std::atomic<int> waiters{0};
  mutable std::mutex mutex;
  mutable std::condition_variable cv;
  std::once_flag stop_once;
  std::thread thread;
};

template <class T>
uv_handle_t* as_handle(T* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}
template <class T>
uv_stream_t* as_stream(T* h) {
  return reinterpret_cast<uv_stream_t*>(h);
}
Conn* conn_of(llhttp_t* p) {
  return static_cast<Conn*>(p->data);
}

// Starts `timer` so that it fires no earlier than `remaining_ns` from now. libuv's timers run on
// a millisecond clock cached per iteration, so callers re-check uv_hrtime() when it fires.
void arm(uv_timer_t* timer, uv_timer_cb cb, std::uint64_t remaining_ns) {
  uv_update_time(timer->loop);
  uv_timer_start(timer, cb, (remaining_ns + kNsPerMs - 1) / kNsPerMs, 0);
}

// ---------------------------------------------------------------- classifying and rendering

std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value > max) return std::nullopt;
  return value;
}

// Maps a request target to what the server will do. Sets `closing` for paths that close.
Pending classify(std::string_view url) {
  const std::string_view path = url.substr(0, url.find_first_of("?#"));
  Pending r;
  const auto numbered = [&](std::string_view prefix, std::uint64_t min, std::uint64_t max,
                            Kind kind) {
    const auto n = parse_number(path.substr(prefix.size()), max);
    if (n && *n >= min) {
      r.kind = kind;
      r.arg = *n;
    } else {
      r.kind = Kind::BadPath;
    }
  };
  if (path == "/hang") {
    r.kind = Kind::Hang;
  } else if (path == "/reset") {
    r.kind = Kind::Reset;
    r.closing = true;
  } else if (path == "/garbage") {
    r.kind = Kind::Garbage;
    r.closing = true;
  } else if (path == "/short") {
    r.kind = Kind::Short;
    r.closing = true;
  } else if (path == "/close") {
    r.say_close = r.closing = true;
  } else if (path == "/eof") {
    r.kind = Kind::Eof;
    r.say_close = r.closing = true;
  } else if (path == "/chunked") {
    r.kind = Kind::Chunked;
  } else if (path.starts_with("/status/")) {
    numbered("/status/", 200, 599, Kind::Status);
  } else if (path.starts_with("/bytes/")) {
    numbered("/bytes/", 0, kMaxBodyBytes, Kind::Bytes);
  } else if (path.starts_with("/delay/")) {
    numbered("/delay/", 0, kMaxDelayMs, Kind::Ok);
    if (r.kind == Kind::Ok) r.due_ns = uv_hrtime() + r.arg * kNsPerMs;
  }
  return r;
}

std::string_view reason(std::uint64_t status) {
  static constexpr std::pair<std::uint64_t, std::string_view> kReasons[] = {
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {304, "Not Modified"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {408, "Request Timeout"},
      {429, "Too Many Requests"},
      {500, "Internal Server Error"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"}};
  for (const auto& [code, text] : kReasons) {
    if (code == status) return text;
  }
  return "Status";
}

// The complete bytes to write for `r` (for Reset: the deliberately short response).
std::string render(const Pending& r) {
  std::uint64_t status = 200;
  std::string body = "ok";
  std::string framing;  // the framing header line, if any
  bool has_body = true;
  switch (r.kind) {
    case Kind::Ok:
      break;
    case Kind::Status:
      status = r.arg;
      body = "status " + std::to_string(status);
      has_body = status != 204 && status != 304;
      break;
    case Kind::BadPath:
      status = 400;
      body = "bad path";
      break;
    case Kind::BadRequest:
      status = 400;
      body = "bad request";
      break;
    case Kind::Bytes:
      body.assign(r.arg, 'x');
      break;
    case Kind::Chunked:
      framing = "Transfer-Encoding: chunked\r\n";
      body = "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
      break;
    case Kind::Eof:
      body = "close-delimited body";
      break;
    case Kind::Reset:
      framing = "Content-Length: 100\r\n";
      body = "0123456789";
      break;
    case Kind::Short:
      framing = "Content-Length: 1000\r\n";
      body = "0123456789";
      break;
    case Kind::Garbage:
      return "SSH-2.0-OpenSSH_9.2 this is not HTTP\r\n\r\n";
    case Kind::Hang:
      break;  // never rendered
  }
  if (framing.empty() && has_body && r.kind != Kind::Eof) {
    framing = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  std::string out;
  out.reserve(128 + (r.head ? 0 : body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason(status);
  out += "\r\n";
  out += framing;
  if (has_body) out += "Content-Type: text/plain\r\n";
  if (r.say_close) out += "Connection: close\r\n";
  out += "\r\n";
  if (has_body && !r.head) out += body;
  return out;
}

// ---------------------------------------------------------------- connection lifetime

void on_conn_closed(uv_handle_t* handle) {
  auto* c = static_cast<Conn*>(handle->data);
  if (--c->open_handles > 0) return;
  Core* s = c->server;
  (c->prev ? c->prev->next : s->first) = c->next;
  (c->next ? c->next->prev : s->last) = c->prev;
  const bool accepted = c->accepted;
  delete c;
  if (accepted) {
    s->open.fetch_sub(1);
    s->changed();
  }
}

// Closes the connection now (with a TCP reset if `reset`); pending writes are cancelled.
void close_conn(Conn* c, bool reset) {
  if (c->closing) return;
  c->closing = true;
  uv_close(as_handle(&c->timer), on_conn_closed);
  if (!reset || uv_tcp_close_reset(&c->tcp, on_conn_closed) != 0) {
    uv_close(as_handle(&c->tcp), on_conn_closed);
  }
}

void on_shutdown(uv_shutdown_t* req, int status) {
  auto* c = static_cast<Conn*>(req->data);
  if (c->closing) return;
  // On success keep reading (and discarding) until the client closes, so that requests it may
  // already have sent do not turn our close into a reset.
  if (status < 0) close_conn(c, false);
}

void on_write(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Conn* c = w->conn;
  const After after = w->after;
  if (status == 0 && w->counts) c->server->bump(c->server->responses);
  delete w;
  if (c->closing) return;
  if (status < 0) {
    close_conn(c, false);
  } else if (after == After::Reset) {
    close_conn(c, true);
  } else if (after == After::Shutdown) {
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, as_stream(&c->tcp), on_shutdown) != 0) close_conn(c, false);
  }
}

void respond(Conn* c, const Pending& r) {
  auto* w = new WriteReq;
  w->req.data = w;
  w->conn = c;
  w->counts = r.kind != Kind::Reset && r.kind != Kind::Short;
  w->after = r.kind == Kind::Reset ? After::Reset : r.closing ? After::Shutdown : After::Nothing;
  w->bytes = render(r);
  if (w->after != After::Nothing) c->finishing = true;
  const uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned int>(w->bytes.size()));
  if (uv_write(&w->req, as_stream(&c->tcp), &buf, 1, on_write) != 0) {
    delete w;
    close_conn(c, false);
  }
}

void on_conn_timer(uv_timer_t* timer);

// Answers queued requests from the head while the head is due and the server is not stalled.
void pump(Conn* c) {
  while (!c->closing && !c->finishing && c->head < c->pending.size()) {
    if (c->server->stalled) return;
    const Pending r = c->pending[c->head];
    if (r.kind == Kind::Hang) return;
    if (r.due_ns != 0) {
      const std::uint64_t now = uv_hrtime();
      if (now < r.due_ns) {
        arm(&c->timer, on_conn_timer, r.due_ns - now);
        return;
      }
    }
    ++c->head;
    respond(c, r);
  }
  if (c->head == c->pending.size()) {
    c->pending.clear();
    c->head = 0;
  }
}

void on_conn_timer(uv_timer_t* timer) {
  pump(static_cast<Conn*>(timer->data));
}

void on_stall_timer(uv_timer_t* timer) {
  auto* s = static_cast<Core*>(timer->data);
  const std::uint64_t now = uv_hrtime();
  if (now < s->stall_until_ns) {
    arm(timer, on_stall_timer, s->stall_until_ns - now);
    return;
  }
  s->stalled = false;
  for (Conn* c = s->first; c != nullptr; c = c->next) pump(c);  // pump never frees a Conn
}

void count_request(Core* s) {
  const std::uint64_t n = s->requests.fetch_add(1) + 1;
  s->changed();
  const ServerOptions& o = s->options;
  if (s->stall_triggered || o.stall_after == 0 || o.stall_ms == 0 || n < o.stall_after) return;
  s->stall_triggered = s->stalled = true;
  const std::uint64_t stall_ns = std::uint64_t{o.stall_ms} * kNsPerMs;
  s->stall_until_ns = uv_hrtime() + stall_ns;
  arm(&s->stall_timer, on_stall_timer, stall_ns);
}

// ---------------------------------------------------------------- llhttp callbacks

int on_message_begin(llhttp_t* p) {
  conn_of(p)->url.clear();
  return 0;
}

int on_url(llhttp_t* p, const char* at, std::size_t length) {
  Conn* c = conn_of(p);
  if (c->url.size() + length > kMaxUrlBytes) return -1;
  c->url.append(at, length);
  return 0;
}

int on_headers_complete(llhttp_t* p) {
  Conn* c = conn_of(p);
  c->keep_alive = llhttp_should_keep_alive(p) != 0;
  c->is_head = llhttp_get_method(p) == HTTP_HEAD;
  return 0;
}

// Queues the request; pauses the parser for good after a request that closes the connection.
int on_message_complete(llhttp_t* p) {
  Conn* c = conn_of(p);
  Pending r = classify(c->url);
  r.head = c->is_head;
  const ServerOptions& o = c->server->options;
  if (o.slow_every != 0 && (c->server->requests.load() + 1) % o.slow_every == 0 && r.due_ns == 0)
    r.due_ns = uv_hrtime() + std::uint64_t{o.slow_ms} * kNsPerMs;
  if (!c->keep_alive) r.say_close = r.closing = true;
  ++c->requests_seen;
  const std::uint64_t limit = c->server->options.close_after;
  if (limit != 0 && c->requests_seen >= limit) r.closing = true;
  c->pending.push_back(r);
  count_request(c->server);
  return r.closing ? HPE_PAUSED : HPE_OK;
}

// ---------------------------------------------------------------- accepting and reading

void on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(handle->data);
  buf->base = c->server->read_buffer.data();
  buf->len = c->server->read_buffer.size();
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(stream->data);
  if (nread < 0) {  // EOF or error: the client is gone or going; drop what is unanswered
    close_conn(c, false);
    return;
  }
  if (nread == 0 || !c->parsing) return;
  const llhttp_errno_t err = llhttp_execute(&c->parser, buf->base, static_cast<std::size_t>(nread));
  if (err != HPE_OK) {
    c->parsing = false;
    if (err != HPE_PAUSED) {  // malformed (HPE_PAUSED: a closing request was queued)
      Pending bad;
      bad.kind = Kind::BadRequest;
      bad.say_close = bad.closing = true;
      c->pending.push_back(bad);
    }
  }
  pump(c);
}

void on_connection(uv_stream_t* listener, int status) {
  auto* s = static_cast<Core*>(listener->data);
  if (status < 0) return;
  auto* c = new Conn(s);
  uv_tcp_init(&s->loop, &c->tcp);  // cannot fail for AF_UNSPEC
  uv_timer_init(&s->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  c->prev = s->last;
  (s->last ? s->last->next : s->first) = c;
  s->last = c;
  if (uv_accept(listener, as_stream(&c->tcp)) != 0) {
    close_conn(c, false);
    return;
  }
  c->accepted = true;
  s->open.fetch_add(1);
  s->bump(s->connections);
  if (s->options.close_on_accept) {  // a server that takes the connection and drops it
    close_conn(c, false);
    return;
  }
  llhttp_init(&c->parser, HTTP_REQUEST, &s->settings);
  c->parser.data = c;
  uv_tcp_nodelay(&c->tcp, 1);
  if (uv_read_start(as_stream(&c->tcp), on_alloc, on_read) != 0) close_conn(c, false);
}

// ---------------------------------------------------------------- start and stop

void on_stop(uv_async_t* async) {
  auto* s = static_cast<Core*>(async->data);
  uv_close(as_handle(&s->listener), nullptr);
  uv_close(as_handle(&s->stall_timer), nullptr);
  for (Conn* c = s->first; c != nullptr; c = c->next) close_conn(c, false);
  uv_close(as_handle(&s->stop_async), nullptr);
}

// Closes the loop; if a handle leaked, closes it anyway (so nothing dangles) and reports false.
bool close_loop(uv_loop_t* loop) {
  if (uv_loop_close(loop) == 0) return true;
  uv_walk(
      loop,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  return false;
}

// Undoes the constructor's handles on the calling thread (before any server thread exists).
void abandon(Core* s) {
  uv_close(as_handle(&s->listener), nullptr);
  uv_close(as_handle(&s->stall_timer), nullptr);
  uv_close(as_handle(&s->stop_async), nullptr);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  close_loop(&s->loop);
}

[[noreturn]] void fail(std::string_view what, int err) {
  throw std::runtime_error("TestServer: " + std::string(what) + ": " + uv_strerror(err));
}

Core::Core(const ServerOptions& o) : options(o) {
  if (const int err = uv_loop_init(&loop); err != 0) fail("uv_loop_init", err);
  llhttp_settings_init(&settings);
  settings.on_message_begin = on_message_begin;
  settings.on_url = on_url;
  settings.on_headers_complete = on_headers_complete;
  settings.on_message_complete = on_message_complete;
  // These three cannot fail on Linux once the loop exists.
  uv_async_init(&loop, &stop_async, on_stop);
  uv_timer_init(&loop, &stall_timer);
  uv_tcp_init(&loop, &listener);
  stop_async.data = stall_timer.data = listener.data = this;

  sockaddr_in addr{};
  int err = uv_ip4_addr("127.0.0.1", 0, &addr);
  if (err == 0) err = uv_tcp_bind(&listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (err == 0 && !options.refuse) err = uv_listen(as_stream(&listener), kBacklog, on_connection);
  sockaddr_storage bound{};
  int len = sizeof bound;
  if (err == 0) err = uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &len);
  if (err != 0) {
    abandon(this);
    fail("cannot listen on 127.0.0.1", err);
  }
  port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
}

void Core::start_thread() {
  try {
    thread = std::thread([this] {
      // SIGPIPE from a write to a vanished client goes to the writing thread; keep it pending
      // here (it is discarded with the thread) so the write just fails with EPIPE.
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      uv_run(&loop, UV_RUN_DEFAULT);
      loop_clean = close_loop(&loop);
    });
  } catch (...) {
    abandon(this);
    throw;
  }
}

void Core::stop() {
  std::call_once(stop_once, [this] {
    uv_async_send(&stop_async);
    thread.join();
    stopped.store(true);
    generation.fetch_add(1);
    std::lock_guard lock(mutex);
    cv.notify_all();
  });
}

bool Core::wait_until(const std::function<bool()>& predicate,
                      std::chrono::milliseconds timeout) const {
  // The pause of lg::test::wait_until, woken by changed() instead of a timer. `seen` is read
  // before each evaluation of the condition, so a change that evaluation missed has bumped
  // `generation` past it and the pause returns at once: no wake-up is lost.
  struct Notified {
    const Core* core;
    std::uint64_t seen;
    void operator()(std::chrono::steady_clock::time_point until) {
      std::unique_lock lock(core->mutex);
      core->waiters.fetch_add(1);
      core->cv.wait_until(lock, until, [&] { return core->generation.load() != seen; });
      core->waiters.fetch_sub(1);
      seen = core->generation.load();
    }
  };
  // After stop() the counters are final: the predicate is evaluated once more and that is all.
  const bool held = lg::test::wait_until([&] { return stopped.load() || predicate(); }, timeout,
                                         Notified{this, generation.load()});
  return held && predicate();
}

}  // namespace

struct TestServer::Impl {
  explicit Impl(const ServerOptions& options) : core(options) {}
  Core core;
};

TestServer::TestServer(ServerOptions options) : impl_(std::make_unique<Impl>(options)) {
  impl_->core.start_thread();
}

TestServer::~TestServer() {
  stop();
}

std::uint16_t TestServer::port() const {
  return impl_->core.port;
}
std::uint64_t TestServer::requests() const {
  return impl_->core.requests.load();
}
std::uint64_t TestServer::responses() const {
  return impl_->core.responses.load();
}
std::uint64_t TestServer::connections() const {
  return impl_->core.connections.load();
}
std::uint64_t TestServer::open_connections() const {
  return impl_->core.open.load();
}

bool TestServer::wait_until(const std::function<bool()>& predicate,
                            std::chrono::milliseconds timeout) const {
  return impl_->core.wait_until(predicate, timeout);
}

void TestServer::stop() {
  impl_->core.stop();
}

bool TestServer::loop_closed_cleanly() const {
  return impl_->core.stopped.load() && impl_->core.loop_clean;
}

}  // namespace lg::test
