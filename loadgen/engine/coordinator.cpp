#include "loadgen/engine/coordinator.h"

#include <netdb.h>
#include <strings.h>
#include <sys/resource.h>
#include <uv.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "loadgen/core/exit_codes.h"
#include "loadgen/core/pacer.h"
#include "loadgen/core/url.h"
#include "loadgen/engine/action_runner.h"
#include "loadgen/engine/worker.h"
#include "loadgen/http/request_template.h"
#include "loadgen/version.h"

namespace lg::engine {
namespace {

constexpr std::uint32_t kMinAutoConnections = 64;
constexpr std::uint32_t kMaxAutoConnections = 10'000;
constexpr std::size_t kMinQueue = 1024;
constexpr std::size_t kMaxQueue = 262'144;          // 6 MB of waiting arrivals per worker at most
constexpr std::int64_t kStartDelayNs = 20'000'000;  // lets every thread reach its loop first

double peak_rate(const RunPlan& plan) {
  double r = 0;
  for (const auto& s : plan.steps) r = std::max({r, s.start_rate, s.end_rate});
  return r;
}

std::expected<sockaddr_storage, RunError> resolve(const Target& t) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const auto port = std::to_string(t.port);
  if (int rc = getaddrinfo(t.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return std::unexpected(RunError{
        kExitEnvironment, "cannot resolve target host '" + t.host + "': " + gai_strerror(rc)});
  }
  sockaddr_storage out{};
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return out;
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Resident set size from /proc/self/statm (pages), in KiB; 0 if unreadable.
std::int64_t current_rss_kb() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? resident * (sysconf(_SC_PAGESIZE) / 1024) : 0;
}

// Descriptors a run needs besides its connections: stdio, the coordinator's loop, each
// worker's loop (epoll, eventfd, timerfd), result and report files, the stack's sockets.
constexpr std::uint64_t kReservedFds = 64;
constexpr std::uint64_t kFdsPerWorker = 4;

std::string limit_text(rlim_t v) {
  return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
}

// The connection cap that fits the descriptor limit. An explicit count that does not fit is
// refused before anything is sent (a run that silently opens fewer connections than asked
// would measure the wrong thing); the automatic cap shrinks to fit, and says so.
std::expected<std::uint32_t, RunError> fit_connections(const RunPlan& plan, std::uint32_t workers) {
  const auto cap = connection_cap(plan);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return cap;
  const std::uint64_t reserve = kReservedFds + kFdsPerWorker * workers;
  const std::uint64_t soft = rl.rlim_cur;
  if (cap + reserve <= soft) return cap;
  const std::uint64_t fits = soft > reserve ? soft - reserve : 0;
  if (plan.connections != 0 || fits == 0) {
    return std::unexpected(
        RunError{kExitInvalidInput,
                 std::to_string(cap) + " connections need about " + std::to_string(cap + reserve) +
                     " file descriptors, but this process may open " + limit_text(rl.rlim_cur) +
                     " (ulimit -n; hard limit " + limit_text(rl.rlim_max) +
                     "): raise it (ulimit -n " + std::to_string(cap + reserve) +
                     ") or ask for at most " + std::to_string(fits) + " connections"});
  }
  std::fprintf(stderr,
               "loadgen: the automatic connection cap is %u, but only %llu fit the file "
               "descriptor limit (ulimit -n %llu): using %llu\n",
               cap, static_cast<unsigned long long>(fits), static_cast<unsigned long long>(soft),
               static_cast<unsigned long long>(fits));
  return static_cast<std::uint32_t>(fits);
}

// The snapshot queue: workers push once per second; the coordinator's loop drains it whole
// (uv_async_send coalesces several pushes into one callback).
class Queue final : public SnapshotSink {
 public:
  explicit Queue(uv_async_t* wake) : wake_(wake) {}
  void push(IntervalSnapshot&& snap) override {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(snap));
    }
    uv_async_send(wake_);
  }
  std::vector<IntervalSnapshot> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(items_, {});
  }

 private:
  uv_async_t* wake_;
  std::mutex mutex_;
  std::vector<IntervalSnapshot> items_;
};

struct Run {
  const RunPlan& plan;
  const RunHooks& hooks;
  ResultBuilder builder;
  uv_loop_t loop{};
  uv_async_t wake{};
  uv_signal_t sigint{};
  uv_signal_t sigterm{};
  Queue queue{&wake};
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<ActionRunner> actions;  // created with t = 0, before the workers start
  bool interrupted = false;
  std::uint64_t start_abs = 0;       // uv_hrtime() of the run's t = 0
  std::int64_t stopped_ns = -1;      // when an interrupt stopped the schedule (ns since t = 0)
  std::int64_t sampled_second = -1;  // the newest second sample_replicas was read for
  std::pair<std::int32_t, std::int32_t> replicas{-1, -1};  // its last reading

  Run(const RunPlan& p, const RunHooks& h, std::uint32_t n) : plan(p), hooks(h), builder(p, n) {}

  void drain() {
    if (hooks.stop_flag != nullptr && hooks.stop_flag->load() && !interrupted) stop_all();
    const auto rss = current_rss_kb();
    auto batch = queue.take();
    // One reading per second of the run: workers deliver the same second in separate batches,
    // and the hook's readings (e.g. per-replica counters) are per-second deltas.
    std::int64_t newest = -1;
    for (const auto& snap : batch) newest = std::max(newest, snap.second);
    if (hooks.sample_replicas && newest > sampled_second) {
      replicas = hooks.sample_replicas();
      sampled_second = newest;
    }
    for (auto& snap : batch) {
      snap.rss_kb = rss;
      snap.replicas = replicas.first;
      snap.healthy = replicas.second;
      for (const auto& point : builder.add(std::move(snap))) {
        if (hooks.on_second) hooks.on_second(point);
      }
    }
    if (builder.all_final()) {
      uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
      if (hooks.handle_signals) {
        uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
      }
    }
  }

  void stop_all() {
    if (!interrupted) stopped_ns = static_cast<std::int64_t>(uv_hrtime() - start_abs);
    interrupted = true;
    for (auto& w : workers) w->request_stop();
    if (actions) actions->stop(stopped_ns, "run interrupted first");
  }
};

void on_wake(uv_async_t* a) {
  static_cast<Run*>(a->data)->drain();
}
void on_signal(uv_signal_t* s, int) {
  static_cast<Run*>(s->data)->stop_all();
}

double process_cpu_seconds(std::int64_t* peak_rss_kb) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  *peak_rss_kb = ru.ru_maxrss;
  const auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

void judge_saturation(RunResult& r) {
  if (r.plan.mode != LoopMode::kOpen || r.generator.lag.total_count() == 0) return;
  const auto p99_us = r.generator.lag.value_at_percentile(99);
  const auto limit_us = static_cast<std::uint64_t>(r.plan.max_dispatch_lag_ns / 1000);
  if (p99_us > limit_us) {
    r.generator.saturated = true;
    r.generator.saturation_reason =
        "schedule lag p99 " + std::to_string(static_cast<double>(p99_us) / 1000.0) +
        " ms exceeds " + std::to_string(static_cast<double>(limit_us) / 1000.0) +
        " ms: the generator could not send on schedule (add --threads, or lower the rate)";
  }
}

// A one-request-per-connection run asks the server to close as well ("Connection: close"),
// unless a request sets its own Connection header.
std::vector<RequestSpec> requests_sent(const RunPlan& plan) {
  auto out = plan.requests;
  if (plan.keepalive) return out;
  for (auto& r : out) {
    const bool has = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
      return h.first.size() == 10 && strncasecmp(h.first.c_str(), "connection", 10) == 0;
    });
    if (!has) r.headers.emplace_back("Connection", "close");
  }
  return out;
}

// https: the run's TLS context, made (and every file checked) before any load; http: none,
// and a TLS option given anyway is refused rather than ignored.
std::expected<std::shared_ptr<const TlsContext>, RunError> tls_context(const RunPlan& plan) {
  if (!plan.target.tls) {
    if (const auto key = tls_option_in_use(plan.tls); !key.empty()) {
      return std::unexpected(
          RunError{kExitInvalidInput, std::string(key) + " is set, but the target " +
                                          format_url(plan.target) +
                                          " is http://: TLS options need an https:// target"});
    }
    return nullptr;
  }
  auto ctx = TlsContext::create(plan.tls, plan.target);
  if (!ctx) return std::unexpected(RunError{kExitInvalidInput, ctx.error()});
  return *ctx;
}

}  // namespace

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::uint32_t worker_count(const RunPlan& plan) {
  std::uint32_t n = plan.threads ? plan.threads : std::max(1u, std::thread::hardware_concurrency());
  if (plan.mode == LoopMode::kClosed) n = std::min(n, std::max(1u, plan.connections));
  return n;
}

std::uint32_t connection_cap(const RunPlan& plan) {
  if (plan.connections) return plan.connections;
  // Little's law with one second of latency at the peak rate: generous, and connections are
  // opened only when no idle one is free, so an unused cap costs nothing.
  const auto want = static_cast<std::uint32_t>(std::ceil(peak_rate(plan)));
  return std::clamp(want, kMinAutoConnections, kMaxAutoConnections);
}

std::expected<RunResult, RunError> run(const RunPlan& plan, const RunHooks& hooks) {
  // A server that closes while we write must cost an EPIPE error, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  auto address = resolve(plan.target);
  if (!address) return std::unexpected(address.error());
  auto mix = http::RequestMix::compile(requests_sent(plan), plan.target,
                                       std::string("loadgen/") + kVersion);
  if (!mix) return std::unexpected(RunError{kExitInvalidInput, mix.error()});
  auto tls = tls_context(plan);
  if (!tls) return std::unexpected(tls.error());
  const Schedule schedule(plan.steps);
  const auto fitted = fit_connections(plan, worker_count(plan));
  if (!fitted) return std::unexpected(fitted.error());
  const auto cap = *fitted;
  // Every worker holds at least one connection, so a cap below the thread count means fewer
  // threads; the cap is split exactly (a cap of 5 opens at most 5).
  const auto n = std::min(worker_count(plan), cap);
  const double timeout_s = static_cast<double>(plan.timeout_ns) / 1e9;
  const auto queue_cap = std::clamp<std::size_t>(
      static_cast<std::size_t>(peak_rate(plan) / n * timeout_s), kMinQueue, kMaxQueue);

  auto run = std::make_unique<Run>(plan, hooks, n);
  uv_loop_init(&run->loop);
  uv_async_init(&run->loop, &run->wake, &on_wake);
  run->wake.data = run.get();
  if (hooks.handle_signals) {
    for (auto* s : {&run->sigint, &run->sigterm}) {
      uv_signal_init(&run->loop, s);
      s->data = run.get();
    }
    uv_signal_start(&run->sigint, &on_signal, SIGINT);
    uv_signal_start(&run->sigterm, &on_signal, SIGTERM);
  }
  const auto started_at = utc_now_iso();
  const auto wall_start =
      std::chrono::system_clock::now() + std::chrono::nanoseconds(kStartDelayNs);
  const auto start_abs = uv_hrtime() + kStartDelayNs;
  run->start_abs = start_abs;
  run->actions = std::make_unique<ActionRunner>(plan.actions, hooks.run_action, start_abs);
  for (std::uint32_t i = 0; i < n; ++i) {
    WorkerConfig cfg;
    cfg.id = i;
    cfg.workers = n;
    cfg.plan = &plan;
    cfg.schedule = &schedule;
    cfg.mix = &*mix;
    cfg.address = *address;
    cfg.start_abs_ns = start_abs;
    cfg.connections = cap / n + (i < cap % n ? 1 : 0);
    cfg.queue_capacity = queue_cap;
    cfg.interrupt_grace_ns = hooks.interrupt_grace_ns;
    cfg.drain_limit_ns = hooks.drain_limit_ns;
    cfg.sink = &run->queue;
    cfg.tls = *tls;
    run->workers.push_back(std::make_unique<Worker>(cfg));
  }
  std::vector<std::thread> threads;
  for (auto& w : run->workers) threads.emplace_back([&w] { w->run(); });
  uv_run(&run->loop, UV_RUN_DEFAULT);
  for (auto& t : threads) t.join();
  const bool clean = uv_loop_close(&run->loop) == 0 &&
                     std::all_of(run->workers.begin(), run->workers.end(),
                                 [](const auto& w) { return w->loop_closed_cleanly(); });
  const auto elapsed = static_cast<std::int64_t>(uv_hrtime() - start_abs);
  // Every worker is done, so the plan's end has passed: an action planned after it never fires
  // (the action in progress, if any, is waited for: after `elapsed`, which it is not part of).
  run->actions->stop(plan.total_duration_ns(), "run ended first");
  auto action_events = run->actions->finish();
  std::int64_t rss = 0;
  const double cpu = process_cpu_seconds(&rss);
  // A run lasts its plan (README "How we measure"): rates are per planned second. An interrupted
  // run lasts until the interrupt.
  const auto planned = plan.total_duration_ns();
  const auto duration =
      run->interrupted ? std::clamp<std::int64_t>(run->stopped_ns, 0, planned) : planned;
  auto result = run->builder.finish(duration, cpu);
  result.generator.elapsed_ns = elapsed;
  result.started_at = started_at;
  result.started_unix_ms =
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::microseconds>(wall_start.time_since_epoch())
              .count()) /
      1000.0;
  result.interrupted = run->interrupted;
  result.actions = std::move(action_events);
  result.generator.peak_rss_kb = rss;
  result.generator.clean_shutdown = clean;
  judge_saturation(result);
  return result;
}

}  // namespace lg::engine
