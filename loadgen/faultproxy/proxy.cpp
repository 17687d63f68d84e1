#include "loadgen/faultproxy/proxy.h"

#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>

namespace lg::faultproxy {
namespace {

constexpr std::size_t kReadBytes = 64 * 1024;
// Backpressure: a direction with more than this waiting stops reading until below the other.
constexpr std::size_t kPauseAbove = std::size_t{4} << 20;
constexpr std::size_t kResumeBelow = std::size_t{1} << 20;

std::int64_t now_ns() {
  return static_cast<std::int64_t>(uv_hrtime());
}

struct Chunk {
  std::unique_ptr<char[]> data;
  std::size_t len = 0;
  std::int64_t due = 0;
};

}  // namespace

struct Pair;

// One direction of a connection: read from `from`, written to `to`.
struct Flow {
  Pair* pair = nullptr;
  uv_tcp_t* from = nullptr;
  uv_tcp_t* to = nullptr;
  bool upstream = false;  // client -> server
  Lane lane;
  std::deque<Chunk> waiting;  // not yet due
  std::size_t queued = 0;     // bytes waiting or in uv_write requests in flight
  bool ended = false;         // `from` sent its FIN: shut `to` down once everything is written
  bool shut = false;          // ... done
  bool reading = false;
  bool paused = false;  // backpressure
  std::unique_ptr<char[]> buf = std::make_unique<char[]>(kReadBytes);
};

struct Pair {
  Proxy::Impl* proxy = nullptr;
  uv_tcp_t client{};
  uv_tcp_t server{};
  uv_timer_t timer{};
  uv_connect_t connect_req{};
  uv_shutdown_t shutdown_req[2]{};
  Flow up;
  Flow down;
  bool connected = false;
  bool closing = false;
  int open_handles = 0;
};

struct WriteReq {
  uv_write_t req{};
  Flow* flow = nullptr;
  std::unique_ptr<char[]> data;
  std::size_t len = 0;
};

struct Proxy::Impl {
  uv_loop_t loop{};
  uv_tcp_t listener{};
  uv_async_t wake{};
  sockaddr_in upstream{};
  std::uint16_t port = 0;
  std::thread thread;

  std::mutex mu;  // guards pending, stop, asked and applied
  Toxics pending;
  bool stop = false;
  std::uint64_t asked = 0;             // set() calls so far
  std::uint64_t applied = 0;           // the last of them the loop has applied
  std::condition_variable applied_cv;  // signalled when `applied` moves

  Toxics toxics;  // the loop thread's
  std::unordered_set<Pair*> pairs;
  std::mt19937_64 rng{0x5eed};
  std::uniform_real_distribution<double> unit{-1.0, 1.0};

  std::atomic<std::uint64_t> accepted{0}, upstream_failed{0}, resets{0}, bytes_up{0}, bytes_down{0},
      delayed{0}, open{0};

  const Toxic& toxic(const Flow& f) const {
    return f.upstream ? toxics.upstream : toxics.downstream;
  }

  // ---- connections ------------------------------------------------------------------------
  static void on_accept(uv_stream_t* listener, int status);
  static void on_connected(uv_connect_t* req, int status);
  static void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void on_written(uv_write_t* req, int status);
  static void on_shutdown(uv_shutdown_t* req, int status);
  static void on_timer(uv_timer_t* t);
  static void on_closed(uv_handle_t* h);
  static void on_wake(uv_async_t* a);

  Flow& flow_of(Pair& p, const uv_stream_t* from) {
    return from == reinterpret_cast<uv_stream_t*>(&p.client) ? p.up : p.down;
  }
  void update_reading(Flow& f);
  void forward(Flow& f, const char* data, std::size_t len);
  void write(Flow& f, std::unique_ptr<char[]> data, std::size_t len);
  void flush_due(Pair& p);
  void arm(Pair& p);
  void maybe_shut(Flow& f);
  void close_pair(Pair& p, bool reset_client, bool reset_server);
  void apply(const Toxics& t);
};

namespace {

Pair* pair_of(const uv_handle_t* h) {
  return static_cast<Pair*>(h->data);
}

template <typename H>
uv_handle_t* handle(H* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}

template <typename H>
uv_stream_t* stream(H* h) {
  return reinterpret_cast<uv_stream_t*>(h);
}

}  // namespace

void Proxy::Impl::on_accept(uv_stream_t* listener, int status) {
  auto* self = static_cast<Impl*>(listener->data);
  if (status != 0) return;
  auto* p = new Pair();
  p->proxy = self;
  uv_tcp_init(&self->loop, &p->client);
  uv_tcp_init(&self->loop, &p->server);
  uv_timer_init(&self->loop, &p->timer);
  p->open_handles = 3;
  for (auto* h : {handle(&p->client), handle(&p->server), handle(&p->timer)}) h->data = p;
  p->up.pair = p;
  p->up.from = &p->client;
  p->up.to = &p->server;
  p->up.upstream = true;
  p->down.pair = p;
  p->down.from = &p->server;
  p->down.to = &p->client;
  self->pairs.insert(p);
  self->open.fetch_add(1);
  if (uv_accept(listener, stream(&p->client)) != 0) {
    self->close_pair(*p, false, false);
    return;
  }
  self->accepted.fetch_add(1);
  uv_tcp_nodelay(&p->client, 1);
  if (self->toxics.reset) {
    self->resets.fetch_add(1);
    self->close_pair(*p, true, false);
    return;
  }
  p->connect_req.data = p;
  if (uv_tcp_connect(&p->connect_req, &p->server,
                     reinterpret_cast<const sockaddr*>(&self->upstream),
                     &Impl::on_connected) != 0) {
    self->upstream_failed.fetch_add(1);
    self->close_pair(*p, true, false);
  }
}

void Proxy::Impl::on_connected(uv_connect_t* req, int status) {
  auto* p = static_cast<Pair*>(req->data);
  Impl* self = p->proxy;
  if (p->closing) return;
  if (status != 0) {
    // Nothing listens upstream: the client sees its connection reset, as a refused server.
    self->upstream_failed.fetch_add(1);
    self->close_pair(*p, true, false);
    return;
  }
  p->connected = true;
  uv_tcp_nodelay(&p->server, 1);
  self->update_reading(p->up);
  self->update_reading(p->down);
}

void Proxy::Impl::update_reading(Flow& f) {
  const Pair& p = *f.pair;
  const bool want = p.connected && !p.closing && !f.ended && !f.paused && !toxics.hang;
  if (want == f.reading) return;
  f.reading = want;
  if (want) {
    uv_read_start(stream(f.from), &Impl::on_alloc, &Impl::on_read);
  } else {
    uv_read_stop(stream(f.from));
  }
}

void Proxy::Impl::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  Pair* p = pair_of(h);
  Flow& f = p->proxy->flow_of(*p, reinterpret_cast<uv_stream_t*>(h));
  *buf = uv_buf_init(f.buf.get(), kReadBytes);
}

void Proxy::Impl::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  Pair* p = pair_of(handle(s));
  Impl* self = p->proxy;
  if (p->closing || n == 0) return;
  Flow& f = self->flow_of(*p, s);
  if (n == UV_EOF) {
    f.ended = true;
    self->update_reading(f);
    self->maybe_shut(f);
    return;
  }
  if (n < 0) {
    // A reset (or error) on one side is passed on to the other as a reset.
    self->close_pair(*p, f.upstream ? false : true, f.upstream);
    return;
  }
  self->forward(f, buf->base, static_cast<std::size_t>(n));
}

void Proxy::Impl::forward(Flow& f, const char* data, std::size_t len) {
  (f.upstream ? bytes_up : bytes_down).fetch_add(len);
  const Toxic& t = toxic(f);
  if (!t.active() && f.waiting.empty()) {
    std::size_t done = 0;
    if (f.queued == 0) {
      uv_buf_t b = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(len));
      const int w = uv_try_write(stream(f.to), &b, 1);
      if (w > 0) done = static_cast<std::size_t>(w);
    }
    if (done == len) return;
    auto copy = std::make_unique<char[]>(len - done);
    std::memcpy(copy.get(), data + done, len - done);
    write(f, std::move(copy), len - done);
    return;
  }
  Chunk c{std::make_unique<char[]>(len), len, f.lane.due(now_ns(), len, t, unit(rng))};
  std::memcpy(c.data.get(), data, len);
  f.queued += len;
  f.waiting.push_back(std::move(c));
  delayed.fetch_add(1);
  if (f.queued > kPauseAbove) {
    f.paused = true;
    update_reading(f);
  }
  arm(*f.pair);
}

void Proxy::Impl::write(Flow& f, std::unique_ptr<char[]> data, std::size_t len) {
  auto* w = new WriteReq();
  w->flow = &f;
  w->data = std::move(data);
  w->len = len;
  w->req.data = w;
  f.queued += len;
  uv_buf_t b = uv_buf_init(w->data.get(), static_cast<unsigned>(len));
  if (uv_write(&w->req, stream(f.to), &b, 1, &Impl::on_written) != 0) {
    f.queued -= len;
    delete w;
    close_pair(*f.pair, true, true);
    return;
  }
  if (f.queued > kPauseAbove) {
    f.paused = true;
    update_reading(f);
  }
}

void Proxy::Impl::on_written(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Flow& f = *w->flow;
  Pair& p = *f.pair;
  f.queued -= w->len;
  delete w;
  Impl* self = p.proxy;
  if (p.closing) return;
  if (status != 0) {
    self->close_pair(p, true, true);
    return;
  }
  if (f.paused && f.queued < kResumeBelow) {
    f.paused = false;
    self->update_reading(f);
  }
  self->maybe_shut(f);
}

void Proxy::Impl::flush_due(Pair& p) {
  if (toxics.hang || p.closing) return;
  const auto t = now_ns();
  for (Flow* f : {&p.up, &p.down}) {
    while (!f->waiting.empty() && f->waiting.front().due <= t && !p.closing) {
      Chunk c = std::move(f->waiting.front());
      f->waiting.pop_front();
      f->queued -= c.len;  // write() counts it again while in flight
      write(*f, std::move(c.data), c.len);
    }
    if (!p.closing) maybe_shut(*f);
  }
}

// The timer for the earliest due chunk; uv timers tick in whole ms, rounded up so that no
// chunk leaves before its due time.
void Proxy::Impl::arm(Pair& p) {
  if (p.closing) return;
  std::int64_t next = -1;
  for (const Flow* f : {&p.up, &p.down}) {
    if (!f->waiting.empty() && (next < 0 || f->waiting.front().due < next)) {
      next = f->waiting.front().due;
    }
  }
  if (next < 0) {
    uv_timer_stop(&p.timer);
    return;
  }
  const auto wait = next - now_ns();
  const auto ms = wait <= 0 ? 0 : static_cast<std::uint64_t>((wait + 999'999) / 1'000'000);
  uv_timer_start(&p.timer, &Impl::on_timer, ms, 0);
}

void Proxy::Impl::on_timer(uv_timer_t* t) {
  Pair* p = pair_of(handle(t));
  Impl* self = p->proxy;
  self->flush_due(*p);
  self->arm(*p);
}

void Proxy::Impl::maybe_shut(Flow& f) {
  Pair& p = *f.pair;
  if (!f.ended || f.shut || f.queued > 0 || !f.waiting.empty() || p.closing) return;
  f.shut = true;
  auto* req = &p.shutdown_req[f.upstream ? 0 : 1];
  req->data = &f;
  if (uv_shutdown(req, stream(f.to), &Impl::on_shutdown) != 0) close_pair(p, false, false);
}

void Proxy::Impl::on_shutdown(uv_shutdown_t* req, int) {
  auto* f = static_cast<Flow*>(req->data);
  Pair& p = *f->pair;
  // Both ways ended: the connection is done.
  if (!p.closing && p.up.shut && p.down.shut) p.proxy->close_pair(p, false, false);
}

void Proxy::Impl::close_pair(Pair& p, bool reset_client, bool reset_server) {
  if (p.closing) return;
  p.closing = true;
  const auto close = [](uv_tcp_t* tcp, bool reset) {
    if (uv_is_closing(handle(tcp)) != 0) return;
    // A reset needs an open socket and no shutdown in progress; otherwise a plain close.
    if (reset && uv_tcp_close_reset(tcp, &Impl::on_closed) == 0) return;
    uv_close(handle(tcp), &Impl::on_closed);
  };
  close(&p.client, reset_client);
  close(&p.server, reset_server && p.connected);
  uv_close(handle(&p.timer), &Impl::on_closed);
}

void Proxy::Impl::on_closed(uv_handle_t* h) {
  Pair* p = pair_of(h);
  if (--p->open_handles > 0) return;
  p->proxy->pairs.erase(p);
  p->proxy->open.fetch_sub(1);
  delete p;
}

void Proxy::Impl::apply(const Toxics& t) {
  const bool was_hung = toxics.hang;
  toxics = t;
  if (t.reset) {
    for (Pair* p : std::unordered_set<Pair*>(pairs)) {
      if (p->closing) continue;
      resets.fetch_add(1);
      close_pair(*p, true, true);
    }
    return;
  }
  for (Pair* p : pairs) {
    if (p->closing) continue;
    update_reading(p->up);
    update_reading(p->down);
    if (was_hung && !t.hang) {
      flush_due(*p);
      arm(*p);
    }
  }
}

void Proxy::Impl::on_wake(uv_async_t* a) {
  auto* self = static_cast<Impl*>(a->data);
  Toxics t;
  bool stop = false;
  std::uint64_t asked = 0;
  {
    std::lock_guard lock(self->mu);
    t = self->pending;
    stop = self->stop;
    asked = self->asked;
  }
  if (!stop) {
    self->apply(t);
    {
      std::lock_guard lock(self->mu);
      self->applied = asked;
    }
    self->applied_cv.notify_all();
    return;
  }
  for (Pair* p : std::unordered_set<Pair*>(self->pairs)) self->close_pair(*p, false, false);
  uv_close(handle(&self->listener), nullptr);
  uv_close(handle(&self->wake), nullptr);
}

Proxy::Proxy(std::uint16_t listen_port, const sockaddr_in& upstream)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.upstream = upstream;
  uv_loop_init(&m.loop);
  uv_tcp_init(&m.loop, &m.listener);
  uv_async_init(&m.loop, &m.wake, &Impl::on_wake);
  m.listener.data = &m;
  m.wake.data = &m;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", listen_port, &addr);
  int rc = uv_tcp_bind(&m.listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(stream(&m.listener), 1024, &Impl::on_accept);
  if (rc != 0) {
    uv_close(handle(&m.listener), nullptr);
    uv_close(handle(&m.wake), nullptr);
    uv_run(&m.loop, UV_RUN_DEFAULT);
    uv_loop_close(&m.loop);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1:" +
                             std::to_string(listen_port) + ": " + uv_strerror(rc));
  }
  int len = sizeof addr;
  uv_tcp_getsockname(&m.listener, reinterpret_cast<sockaddr*>(&addr), &len);
  m.port = ntohs(addr.sin_port);
  m.thread = std::thread([&m] { uv_run(&m.loop, UV_RUN_DEFAULT); });
}

Proxy::~Proxy() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  uv_async_send(&impl_->wake);
  impl_->thread.join();
  uv_loop_close(&impl_->loop);
}

std::uint16_t Proxy::port() const {
  return impl_->port;
}

void Proxy::set(const Toxics& toxics) {
  std::unique_lock lock(impl_->mu);
  impl_->pending = toxics;
  const auto mine = ++impl_->asked;
  uv_async_send(&impl_->wake);
  // Until the loop has applied it: "ok" on the control line then means in effect, so that a
  // connection made right after the answer already sees the toxics. Bounded, in case the loop
  // is stopping.
  impl_->applied_cv.wait_for(lock, std::chrono::seconds(2),
                             [&] { return impl_->applied >= mine || impl_->stop; });
}

ProxyStats Proxy::stats() const {
  const Impl& m = *impl_;
  return {m.accepted.load(),   m.upstream_failed.load(), m.resets.load(), m.bytes_up.load(),
          m.bytes_down.load(), m.delayed.load(),         m.open.load()};
}

}  // namespace lg::faultproxy
