#include "loadgen/engine/precise_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

namespace lg::engine {

int PreciseTimer::init(uv_loop_t* loop, Callback cb, void* data) {
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd_ < 0) return uv_translate_sys_error(errno);
  cb_ = cb;
  data_ = data;
  if (int rc = uv_poll_init(loop, &poll_, fd_); rc != 0) {
    ::close(fd_);
    fd_ = -1;
    return rc;
  }
  poll_.data = this;
  open_ = true;
  return uv_poll_start(&poll_, UV_READABLE, &PreciseTimer::on_poll);
}

void PreciseTimer::arm_at(std::uint64_t abs_ns) {
  itimerspec spec{};
  // it_value of zero would disarm: the earliest meaningful absolute time is 1 ns.
  if (abs_ns == 0) abs_ns = 1;
  spec.it_value.tv_sec = static_cast<time_t>(abs_ns / 1'000'000'000ULL);
  spec.it_value.tv_nsec = static_cast<long>(abs_ns % 1'000'000'000ULL);
  timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
  set_ = true;
}

void PreciseTimer::disarm() {
  if (fd_ < 0) return;
  itimerspec spec{};
  timerfd_settime(fd_, 0, &spec, nullptr);
  set_ = true;
}

void PreciseTimer::close() {
  if (!open_) return;
  open_ = false;
  uv_poll_stop(&poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), [](uv_handle_t* h) {
    auto* self = static_cast<PreciseTimer*>(h->data);
    ::close(self->fd_);
    self->fd_ = -1;
  });
}

void PreciseTimer::on_poll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<PreciseTimer*>(handle->data);
  self->set_ = false;
  if (status == 0) self->cb_(self->data_);
  // timerfd_settime resets the expiration count, so a callback that re-armed or disarmed the
  // timer has cleared its readiness: no read needed (one syscall per wake-up saved). Otherwise
  // drain the count, or the level-triggered poll would wake the loop again at once. EAGAIN
  // (nothing due: a re-arm raced the wake-up) is harmless.
  if (!self->set_) {
    std::uint64_t expirations = 0;
    [[maybe_unused]] const auto n = ::read(self->fd_, &expirations, sizeof expirations);
  }
}

}  // namespace lg::engine
