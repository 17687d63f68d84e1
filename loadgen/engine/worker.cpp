#include "loadgen/engine/worker.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>

namespace lg::engine {
namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// Reconnect back-off after consecutive failed connects (closed loop, pre-opened pools): 1 ms,
// doubling, at most 250 ms, so a dead port costs a few connects per second per connection
// instead of a spinning core.
constexpr std::uint64_t kFirstBackoffMs = 1;
constexpr std::uint64_t kMaxBackoffMs = 250;
// Connects (and TLS handshakes) a pre-opened pool keeps in progress at once, per worker: the
// rest open as these finish. 10,000 SYNs at once overflow the server's listen backlog (each
// dropped SYN costs a 1 s retransmit), and every TLS handshake in flight holds about 50 KB of
// OpenSSL buffers that glibc keeps as RSS after they are freed (10,000 at once: 430 MB).
constexpr std::uint32_t kMaxConnecting = 256;

std::uint64_t backoff_ms(std::uint32_t failures) {
  const auto shift = std::min<std::uint32_t>(failures > 0 ? failures - 1 : 0, 16);
  return std::min(kFirstBackoffMs << shift, kMaxBackoffMs);
}

// Out of descriptors is said once per process (every worker may hit it at once); the failed
// connects are counted as connect errors all the same.
std::atomic<bool> g_descriptors_warned{false};
void warn_if_out_of_descriptors(int rc) {
  if ((rc == UV_EMFILE || rc == UV_ENFILE) && !g_descriptors_warned.exchange(true)) {
    std::fprintf(stderr,
                 "loadgen: cannot open a connection: %s; these count as connect errors (raise "
                 "the limit with `ulimit -n`, or ask for fewer connections)\n",
                 uv_strerror(rc));
  }
}

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

// uv timers count whole milliseconds of loop time: round up so they never fire early.
std::uint64_t ms_until(std::int64_t target_ns, std::int64_t now_ns) {
  if (target_ns <= now_ns) return 0;
  return static_cast<std::uint64_t>((target_ns - now_ns + 999'999) / 1'000'000);
}

// The pacer's wake-up budget: each wake-up (at the earliest due arrival, to the microsecond)
// also sends every arrival due within this much after it, so at high rates one wake-up serves
// several arrivals (at 20,000/s about 10) instead of one each: fewer epoll/timerfd round
// trips per request. Such an arrival goes out at most this early; its latency is measured from
// the earlier of its intended and actual send, so sending early never shortens a latency, and
// the 10 ms bins of send times stay even. 0.5 ms: half of wrk2's 1 ms timer granularity, and
// the lag (lateness) is unchanged: the first arrival of each wake-up is still on time.
constexpr std::int64_t kSendSlackNs = 500'000;

std::uint64_t to_us(std::int64_t ns) {
  return ns > 0 ? static_cast<std::uint64_t>(ns / 1000) : 0;
}

template <class T>
T* self_of(uv_handle_t* h) {
  return static_cast<T*>(h->data);
}

}  // namespace

Worker::Worker(const WorkerConfig& cfg)
    : cfg_(cfg),
      closed_loop_(cfg.plan->mode == LoopMode::kClosed),
      cursor_(*cfg.schedule, cfg.plan->arrival, cfg.plan->seed,
              cfg.plan->shard_index + std::uint64_t{cfg.id} * cfg.plan->shard_count,
              std::uint64_t{cfg.plan->shard_count} * cfg.workers),
      queue_(cfg.queue_capacity),
      transports_(cfg.tls, cfg.connections),
      read_storage_(std::make_unique<char[]>(kReadBufferBytes)),
      steps_(std::max<std::size_t>(1, cfg.plan->steps.size())) {
  read_buf_ = uv_buf_init(read_storage_.get(), kReadBufferBytes);
  conns_.reserve(cfg_.connections);
  idle_.reserve(cfg_.connections);
  closed_.reserve(cfg_.connections);
  interval_.worker = cfg_.id;
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_async_, &Worker::on_stop);
  uv_timer_init(&loop_, &interval_timer_);
  uv_timer_init(&loop_, &timeout_timer_);
  uv_timer_init(&loop_, &deadline_timer_);
  uv_timer_init(&loop_, &reconnect_timer_);
  for (auto* h : {reinterpret_cast<uv_handle_t*>(&stop_async_),
                  reinterpret_cast<uv_handle_t*>(&interval_timer_),
                  reinterpret_cast<uv_handle_t*>(&timeout_timer_),
                  reinterpret_cast<uv_handle_t*>(&deadline_timer_),
                  reinterpret_cast<uv_handle_t*>(&reconnect_timer_)}) {
    h->data = this;
  }
  pacer_timer_.init(&loop_, &Worker::on_pace, this);
}

Worker::~Worker() {
  if (!loop_closed_) {
    // run() was never called: close what the constructor opened.
    finish();
    uv_run(&loop_, UV_RUN_DEFAULT);
    loop_closed_ = uv_loop_close(&loop_) == 0;
  }
}

std::int64_t Worker::now() const {
  return static_cast<std::int64_t>(uv_hrtime() - cfg_.start_abs_ns);
}

void Worker::run() {
  start();
  uv_run(&loop_, UV_RUN_DEFAULT);
  loop_closed_ = uv_loop_close(&loop_) == 0;
}

void Worker::request_stop() {
  std::lock_guard lock(stop_mutex_);
  if (!stop_closed_) uv_async_send(&stop_async_);
}

void Worker::start() {
  interval_cpu_start_ = thread_cpu_ns();
  uv_timer_start(&interval_timer_, &Worker::on_interval, ms_until(kNsPerSecond, now()), 0);
  if (closed_loop_ || cfg_.plan->preconnect) {
    // Connections open at t = 0: the closed loop's, or a pre-opened open-loop pool (the first
    // arrivals then wait in the queue for them).
    pacer_timer_.arm_at(cfg_.start_abs_ns);
  }
  if (closed_loop_) {
    uv_timer_start(&deadline_timer_, &Worker::on_deadline, ms_until(cfg_.schedule->end_ns(), now()),
                   0);
    return;
  }
  if (cfg_.plan->preconnect) return;
  if (const auto& next = cursor_.peek()) {
    pacer_timer_.arm_at(cfg_.start_abs_ns + static_cast<std::uint64_t>(next->due_ns));
  } else {
    arm_schedule_end();  // no arrival of ours at all: the run still lasts its plan
  }
}

// The run lasts its plan, idle steps and the quiet tail after the last arrival included: the
// drain starts at the schedule's end (on_deadline), not at the last arrival.
void Worker::arm_schedule_end() {
  uv_update_time(&loop_);
  uv_timer_start(&deadline_timer_, &Worker::on_deadline, ms_until(cfg_.schedule->end_ns(), now()),
                 0);
}

// ---- pacing -------------------------------------------------------------------------------

void Worker::on_pace(void* self) {
  static_cast<Worker*>(self)->pace();
}

void Worker::pace() {
  if (draining_) return;
  if (closed_loop_ || (cfg_.plan->preconnect && !preconnected_)) {
    preconnected_ = true;
    keep_open(false);
    if (closed_loop_) return;
  }
  // Send everything due by now and within the slack after it; each arrival keeps its own
  // intended time.
  for (auto t = now(); cursor_.peek() && cursor_.peek()->due_ns <= t + kSendSlackNs; t = now()) {
    // The interval timer ticks in whole ms: close the second here so that arrivals land in
    // the second they were sent in.
    if (t >= (interval_.second + 1) * kNsPerSecond) emit_interval(false);
    dispatch(*cursor_.peek(), t);
    cursor_.advance();
  }
  if (const auto& next = cursor_.peek()) {
    pacer_timer_.arm_at(cfg_.start_abs_ns + static_cast<std::uint64_t>(next->due_ns));
  } else {
    arm_schedule_end();
  }
}

void Worker::dispatch(const DueArrival& a, std::int64_t t) {
  tally(a.step, [](Counters& k) { ++k.scheduled; });
  const auto lag = t - a.due_ns;
  step(a.step).lag.record(to_us(lag));
  interval_.max_lag_ns = std::max(interval_.max_lag_ns, lag);
  if (!idle_.empty()) {
    send(*pop_idle(), a, t);
    return;
  }
  if (!queue_.push(a)) {
    tally(a.step, [](Counters& k) { ++k.dropped; });
    return;
  }
  maybe_open();
}

// ---- connections --------------------------------------------------------------------------

const sockaddr* Worker::address() const {
  return reinterpret_cast<const sockaddr*>(&cfg_.address);
}

Connection* Worker::acquire_closed() {
  if (!closed_.empty()) {
    auto* c = closed_.back();
    closed_.pop_back();
    return c;
  }
  if (conns_.size() >= cfg_.connections) return nullptr;
  ConnectionOwner& owner = *this;
  conns_.push_back(std::make_unique<Connection>(owner, cfg_.mix->max_size(), transports_));
  return conns_.back().get();
}

void Worker::maybe_open() {
  // One new connection per waiting arrival at most, and never beyond the cap. A connect that
  // fails at once fails the oldest waiting arrival, so the loop ends.
  while (connecting_ < queue_.size() && open_ < cfg_.connections) {
    auto* c = acquire_closed();
    if (c == nullptr) return;
    open_connection(*c);
  }
}

// The one place a connection is opened, so that open_ and connecting_ always match the
// handles (a gauge that drifts would wrap). A connect that fails at once is a failed connect
// like one refused later.
bool Worker::open_connection(Connection& c) {
  const int rc = c.open(&loop_, address());
  if (rc == 0) {
    ++open_;
    ++connecting_;
    return true;
  }
  warn_if_out_of_descriptors(rc);
  if (c.state() == Connection::State::kClosing) {
    ++open_;  // on_closed follows and counts it down
  } else {
    closed_.push_back(&c);  // no socket was made: reusable at once
  }
  connect_failed(ErrorKind::kConnect);
  return false;
}

// Closed loop and pre-opened pools keep all their connections open. After failed connects
// they wait out the back-off first (`after_backoff` when the back-off timer ended it).
void Worker::keep_open(bool after_backoff) {
  if (draining_ || finished_) return;
  if (connect_failures_ > 0 && !after_backoff) {
    if (uv_is_active(reinterpret_cast<uv_handle_t*>(&reconnect_timer_)) == 0) {
      uv_timer_start(&reconnect_timer_, &Worker::on_reconnect, backoff_ms(connect_failures_), 0);
    }
    return;
  }
  while (open_ < cfg_.connections && connecting_ < kMaxConnecting) {
    auto* c = acquire_closed();
    if (c == nullptr) return;
    if (!open_connection(*c)) {
      keep_open(false);  // arms the back-off (the failure was just counted)
      return;
    }
  }
}

void Worker::on_reconnect(uv_timer_t* timer) {
  self_of<Worker>(reinterpret_cast<uv_handle_t*>(timer))->keep_open(true);
}

// Every failed connect (or TLS handshake) is counted. In the closed loop each attempt stands
// for a request that could not be made (a scheduled arrival failed with `connect` or `tls`);
// in the open loop it fails the oldest arrival waiting for a connection.
void Worker::connect_failed(ErrorKind kind) {
  ++connect_failures_;
  if (closed_loop_) {
    tally(cfg_.schedule->step_at(now()), [kind](Counters& k) {
      ++k.scheduled;
      k.count(kind);
    });
  } else {
    fail_queued(kind);
  }
}

void Worker::fail_queued(ErrorKind kind) {
  if (queue_.empty()) return;
  const auto a = queue_.front();
  queue_.pop();
  tally(a.step, [&](Counters& k) { k.count(kind); });
}

void Worker::on_connected(Connection& c) {
  --connecting_;
  const bool backing_off = connect_failures_ > 0;
  connect_failures_ = 0;
  record_connect(c);
  available(c);
  if (closed_loop_ || cfg_.plan->preconnect) {
    // The target is back (after a back-off): reopen the rest now rather than at its end.
    // Otherwise the next of a pool opening kMaxConnecting at a time.
    if (backing_off) uv_timer_stop(&reconnect_timer_);
    keep_open(false);
  }
}

// The connect's and the handshake's durations, by the step they ended in.
void Worker::record_connect(const Connection& c) {
  const auto& t = c.connect_times();
  const auto s = cfg_.schedule->step_at(now());
  auto& acc = step(s);
  const auto us = [](std::uint64_t from, std::uint64_t to) {
    return to > from ? (to - from) / 1000 : 0;
  };
  acc.counters.unrecorded +=
      static_cast<std::uint64_t>(!acc.connect.record(us(c.opened_ns(), t.established_ns)));
  if (t.tls) {
    acc.counters.unrecorded +=
        static_cast<std::uint64_t>(!acc.handshake.record(us(t.established_ns, t.ready_ns)));
  }
  tally(s, [&t](Counters& k) {
    ++k.connects;
    k.handshakes += t.tls ? 1 : 0;
    k.resumed += t.resumed ? 1 : 0;
  });
}

void Worker::on_connect_failed(Connection&, ErrorKind kind) {
  --connecting_;
  connect_failed(kind);
}

void Worker::available(Connection& c) {
  const auto t = now();
  if (closed_loop_) {
    if (!draining_) {
      send_closed_loop(c, t);
      return;
    }
  } else {
    while (!queue_.empty()) {
      const auto a = queue_.front();
      queue_.pop();
      if (t - a.due_ns <= cfg_.plan->timeout_ns) {
        send(c, a, t);
        return;
      }
      // Waited a whole timeout for a connection: it was never sent.
      tally(a.step, [](Counters& k) { ++k.dropped; });
    }
  }
  push_idle(c);
  check_done();
}

void Worker::push_idle(Connection& c) {
  c.idle_slot = static_cast<std::int32_t>(idle_.size());
  idle_.push_back(&c);
}

Connection* Worker::pop_idle() {
  auto* c = idle_.back();
  idle_.pop_back();
  c->idle_slot = -1;
  return c;
}

void Worker::remove_idle(Connection& c) {
  if (c.idle_slot < 0) return;
  auto* last = idle_.back();
  idle_[static_cast<std::size_t>(c.idle_slot)] = last;
  last->idle_slot = c.idle_slot;
  idle_.pop_back();
  c.idle_slot = -1;
}

void Worker::on_idle_closed(Connection& c) {
  remove_idle(c);
}

void Worker::on_closed(Connection& c) {
  --open_;
  remove_idle(c);
  closed_.push_back(&c);
  if (finished_) return;
  if ((closed_loop_ || cfg_.plan->preconnect) && !draining_) {
    keep_open(false);
    return;
  }
  if (!queue_.empty()) maybe_open();
  check_done();
}

// ---- requests -----------------------------------------------------------------------------

void Worker::send(Connection& c, const DueArrival& a, std::int64_t t) {
  const auto& tpl = cfg_.mix->at(cfg_.mix->pick(a.index, cfg_.plan->seed));
  const InFlight r{a, t};
  count_sent(r);
  link(c);
  if (tpl.is_static()) {
    const auto bytes = tpl.bytes();
    c.send(bytes.data(), bytes.size(), tpl.is_head(), r);
  } else {
    const auto n = tpl.render(a.index, cfg_.plan->seed, c.write_buffer(), c.write_capacity());
    c.send(c.write_buffer(), n, tpl.is_head(), r);
  }
}

void Worker::send_closed_loop(Connection& c, std::int64_t t) {
  const DueArrival a{cfg_.id + closed_loop_seq_++ * cfg_.workers, t, cfg_.schedule->step_at(t)};
  tally(a.step, [](Counters& k) { ++k.scheduled; });
  send(c, a, t);
}

void Worker::count_sent(const InFlight& r) {
  const bool late = r.sent_ns - r.arrival.due_ns > cfg_.plan->late_threshold_ns;
  tally(r.arrival.step, [late](Counters& c) {
    ++c.sent;
    c.late += late ? 1 : 0;
  });
}

// Latency (from the intended send) and service time (from the actual send) of a request that
// ended at t: answered, or timed out (then it took at least that long, and the percentiles
// that fall among such values are reported as lower bounds). A value beyond the histogram's
// range (100 s) is counted, never silently lost.
void Worker::record_latency(const InFlight& r, std::int64_t t) {
  auto& s = step(r.arrival.step);
  const auto lat = to_us(t - std::min(r.arrival.due_ns, r.sent_ns));  // early: from the send
  s.counters.unrecorded += static_cast<std::uint64_t>(!s.latency.record(lat)) +
                           static_cast<std::uint64_t>(!s.service.record(to_us(t - r.sent_ns))) +
                           static_cast<std::uint64_t>(!interval_.latency.record(lat));
}

void Worker::on_response(Connection& c) {
  const auto t = now();
  const auto& r = c.request();
  unlink(c);
  const auto& p = c.parser();
  record_latency(r, t);
  const int status = p.status_code();
  tally(r.arrival.step, [&p, status](Counters& k) {
    ++k.responses;
    k.bytes_in += p.body_bytes();
    if (status >= 500) {
      k.count(ErrorKind::kHttp5xx);
    } else if (status == 429) {
      k.count(ErrorKind::kHttp429);
    } else if (status >= 400) {
      k.count(ErrorKind::kHttp4xx);
    } else {
      ++k.completed;
    }
  });
  if (p.keep_alive() && cfg_.plan->keepalive && !stopping_) {
    available(c);
  } else {
    c.close();
  }
}

void Worker::on_failure(Connection& c, ErrorKind kind) {
  const auto& r = c.request();
  unlink(c);
  tally(r.arrival.step, [&](Counters& k) { k.count(kind); });
}

// ---- in-flight list and timeouts ------------------------------------------------------------

void Worker::link(Connection& c) {
  c.prev = inflight_tail_;
  c.next = nullptr;
  c.linked = true;
  if (inflight_tail_ != nullptr) {
    inflight_tail_->next = &c;
  } else {
    inflight_head_ = &c;
    arm_timeout(c.request().sent_ns);
  }
  inflight_tail_ = &c;
}

void Worker::unlink(Connection& c) {
  if (!c.linked) return;
  (c.prev ? c.prev->next : inflight_head_) = c.next;
  (c.next ? c.next->prev : inflight_tail_) = c.prev;
  c.prev = c.next = nullptr;
  c.linked = false;
}

void Worker::arm_timeout(std::int64_t sent_ns) {
  uv_timer_start(&timeout_timer_, &Worker::on_timeout_check,
                 ms_until(sent_ns + cfg_.plan->timeout_ns, now()), 0);
}

void Worker::on_timeout_check(uv_timer_t* timer) {
  auto* w = self_of<Worker>(reinterpret_cast<uv_handle_t*>(timer));
  const auto t = w->now();
  while (w->inflight_head_ != nullptr &&
         w->inflight_head_->request().sent_ns + w->cfg_.plan->timeout_ns <= t) {
    auto& c = *w->inflight_head_;
    w->record_latency(c.request(), t);
    w->on_failure(c, ErrorKind::kTimeout);
    c.close();
  }
  if (w->inflight_head_ != nullptr) w->arm_timeout(w->inflight_head_->request().sent_ns);
}

// ---- intervals, draining, finishing ---------------------------------------------------------

void Worker::on_interval(uv_timer_t* timer) {
  auto* w = self_of<Worker>(reinterpret_cast<uv_handle_t*>(timer));
  // pace() may already have closed this second.
  if (w->now() >= (w->interval_.second + 1) * kNsPerSecond) w->emit_interval(false);
  const auto next_boundary = (w->interval_.second + 1) * kNsPerSecond;
  uv_timer_start(timer, &Worker::on_interval, ms_until(next_boundary, w->now()), 0);
}

void Worker::emit_interval(bool final) {
  const auto cpu = thread_cpu_ns();
  IntervalSnapshot snap = std::move(interval_);
  snap.cpu_ns = cpu - interval_cpu_start_;
  snap.open_connections = static_cast<std::int32_t>(open_);
  snap.final = final;
  if (final) {
    snap.steps = std::move(steps_);
    snap.tls_failure = transports_.first_tls_failure();
  }
  interval_cpu_start_ = cpu;
  interval_ = IntervalSnapshot{};
  interval_.worker = cfg_.id;
  interval_.second = snap.second + 1;
  if (cfg_.sink != nullptr) cfg_.sink->push(std::move(snap));
}

void Worker::begin_drain(std::int64_t deadline_ns) {
  if (draining_) return;
  draining_ = true;
  pacer_timer_.disarm();
  uv_timer_stop(&reconnect_timer_);
  uv_update_time(&loop_);
  uv_timer_start(&deadline_timer_, &Worker::on_deadline, ms_until(deadline_ns, now()), 0);
  check_done();
}

// The schedule is over: what is in flight gets its own timeout, at most the drain limit.
std::int64_t Worker::drain_deadline() const {
  return now() + std::min(cfg_.plan->timeout_ns, cfg_.drain_limit_ns);
}

void Worker::check_done() {
  if (draining_ && !finished_ && inflight_head_ == nullptr && queue_.empty() && connecting_ == 0) {
    finish();
  }
}

void Worker::on_deadline(uv_timer_t* timer) {
  auto* w = self_of<Worker>(reinterpret_cast<uv_handle_t*>(timer));
  if (!w->draining_) {
    // The schedule is over (both loops): requests in flight get their timeout to finish.
    w->begin_drain(w->drain_deadline());
    return;
  }
  w->finish();
}

void Worker::on_stop(uv_async_t* async) {
  auto* w = self_of<Worker>(reinterpret_cast<uv_handle_t*>(async));
  if (w->finished_ || w->stopping_) return;
  w->stopping_ = true;
  // Arrivals still waiting were never sent: the interrupt abandoned them.
  while (!w->queue_.empty()) {
    w->tally(w->queue_.front().step, [](Counters& k) { ++k.abandoned; });
    w->queue_.pop();
  }
  w->draining_ = false;  // restart the drain with the interrupt's shorter deadline
  uv_timer_stop(&w->deadline_timer_);
  w->begin_drain(w->now() + w->cfg_.interrupt_grace_ns);
}

void Worker::finish() {
  if (finished_) return;
  finished_ = true;
  // What is still in flight at the deadline timed out if its own timeout has passed (a timer
  // tick can lag the deadline), else the end of the run (or an interrupt) abandoned it; what
  // is still queued was never sent.
  const auto t = now();
  while (inflight_head_ != nullptr) {
    auto& c = *inflight_head_;
    const auto& r = c.request();
    unlink(c);
    if (!stopping_ && r.sent_ns + cfg_.plan->timeout_ns <= t) {
      record_latency(r, t);
      tally(r.arrival.step, [](Counters& k) { k.count(ErrorKind::kTimeout); });
    } else {
      tally(r.arrival.step, [](Counters& k) { ++k.abandoned; });
    }
  }
  while (!queue_.empty()) {
    tally(queue_.front().step, [](Counters& k) { ++k.dropped; });
    queue_.pop();
  }
  emit_interval(true);
  for (auto& c : conns_) c->close();
  pacer_timer_.close();
  for (auto* timer : {&interval_timer_, &timeout_timer_, &deadline_timer_, &reconnect_timer_}) {
    uv_close(reinterpret_cast<uv_handle_t*>(timer), nullptr);
  }
  std::lock_guard lock(stop_mutex_);
  stop_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&stop_async_), nullptr);
}

}  // namespace lg::engine
