// A worker thread's engine: one uv_loop, its own connections, histograms and counters.
// Nothing here is shared with other threads except the snapshot sink and the stop signal.
#pragma once
#include <netinet/in.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "loadgen/core/pacer.h"
#include "loadgen/core/run_plan.h"
#include "loadgen/core/snapshot.h"
#include "loadgen/engine/arrival_queue.h"
#include "loadgen/engine/connection.h"
#include "loadgen/engine/precise_timer.h"
#include "loadgen/engine/snapshot_sink.h"
#include "loadgen/engine/transport_factory.h"
#include "loadgen/http/request_template.h"

namespace lg::engine {

struct WorkerConfig {
  std::uint32_t id = 0;  // 0 .. workers-1
  std::uint32_t workers = 1;
  const RunPlan* plan = nullptr;       // outlives the worker
  const Schedule* schedule = nullptr;  // built from plan->steps
  const http::RequestMix* mix = nullptr;
  sockaddr_storage address{};         // resolved target
  std::uint64_t start_abs_ns = 0;     // uv_hrtime() value of the run's t = 0
  std::uint32_t connections = 1;      // open loop: this worker's cap; closed loop: its count
  std::size_t queue_capacity = 4096;  // arrivals waiting for a connection before drops
  std::int64_t interrupt_grace_ns = 2'000'000'000;  // wait for in-flight responses on stop
  // After the schedule's end, requests in flight get their own timeout to finish, but at most
  // this long (ns); any still in flight then are `abandoned`.
  std::int64_t drain_limit_ns = 30'000'000'000;
  std::shared_ptr<const TlsContext> tls;  // https targets: the run's TLS context; null: plain TCP
  SnapshotSink* sink = nullptr;
};

class Worker final : private ConnectionOwner {
 public:
  explicit Worker(const WorkerConfig& cfg);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs the loop until the schedule is done and drained (or stopped), delivers the final
  // snapshot and closes every handle. Call once, on the worker's thread.
  void run();
  // Thread-safe: stop sending, wait up to interrupt_grace_ns for in-flight responses, finish.
  void request_stop();
  // After run(): uv_loop_close succeeded, so no handle leaked.
  bool loop_closed_cleanly() const { return loop_closed_; }

 private:
  // ConnectionOwner
  void on_connected(Connection& c) override;
  void on_connect_failed(Connection& c, ErrorKind kind) override;
  void on_response(Connection& c) override;
  void on_failure(Connection& c, ErrorKind kind) override;
  void on_idle_closed(Connection& c) override;
  void on_closed(Connection& c) override;
  uv_buf_t* read_buffer() override { return &read_buf_; }

  static void on_pace(void* self);
  static void on_interval(uv_timer_t* t);
  static void on_timeout_check(uv_timer_t* t);
  static void on_deadline(uv_timer_t* t);
  static void on_reconnect(uv_timer_t* t);
  static void on_stop(uv_async_t* a);

  std::int64_t now() const;  // ns since the run's start (uv_hrtime, never uv_now)
  void start();
  void pace();
  void dispatch(const DueArrival& a, std::int64_t t);
  void available(Connection& c);
  void send(Connection& c, const DueArrival& a, std::int64_t t);
  void send_closed_loop(Connection& c, std::int64_t t);
  void maybe_open();
  bool open_connection(Connection& c);
  void keep_open(bool after_backoff);
  void arm_schedule_end();
  std::int64_t drain_deadline() const;
  void record_latency(const InFlight& r, std::int64_t t);
  void connect_failed(ErrorKind kind);
  void record_connect(const Connection& c);
  void fail_queued(ErrorKind kind);
  Connection* acquire_closed();
  void push_idle(Connection& c);
  Connection* pop_idle();
  void remove_idle(Connection& c);
  void link(Connection& c);
  void unlink(Connection& c);
  void arm_timeout(std::int64_t sent_ns);
  const sockaddr* address() const;
  void emit_interval(bool final);
  void begin_drain(std::int64_t deadline_ns);
  void check_done();
  void finish();
  void count_sent(const InFlight& r);
  // Counts an event twice: for the step of its arrival and for the current second.
  template <class F>
  void tally(std::uint32_t s, F&& f) {
    f(step(s).counters);
    f(interval_.counters);
  }
  StepAccum& step(std::uint32_t s) { return steps_[s < steps_.size() ? s : steps_.size() - 1]; }

  WorkerConfig cfg_;
  bool closed_loop_;
  uv_loop_t loop_{};
  uv_async_t stop_async_{};
  uv_timer_t interval_timer_{};
  uv_timer_t timeout_timer_{};
  uv_timer_t deadline_timer_{};
  uv_timer_t reconnect_timer_{};  // closed loop / preconnect: back-off after failed connects
  PreciseTimer pacer_timer_;
  ArrivalCursor cursor_;
  ArrivalQueue queue_;
  TransportFactory transports_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<Connection*> idle_;        // connected, no request: reused LIFO (warm caches)
  std::vector<Connection*> closed_;      // objects whose handle is closed: reopened on demand
  std::uint32_t open_ = 0;               // handles not yet closed (<= cfg_.connections)
  std::uint32_t connecting_ = 0;         // of those, connects in progress
  std::uint32_t connect_failures_ = 0;   // consecutive failed connects (reset by a success)
  Connection* inflight_head_ = nullptr;  // oldest request in flight (timeouts fire from here)
  Connection* inflight_tail_ = nullptr;
  std::uint64_t closed_loop_seq_ = 0;
  std::unique_ptr<char[]> read_storage_;
  uv_buf_t read_buf_{};

  std::vector<StepAccum> steps_;
  IntervalSnapshot interval_;
  std::int64_t interval_cpu_start_ = 0;
  bool draining_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  bool preconnected_ = false;
  bool loop_closed_ = false;
  std::mutex stop_mutex_;  // guards stop_async_ against a send after it was closed
  bool stop_closed_ = false;
};

}  // namespace lg::engine
